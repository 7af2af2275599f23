/* The config record (config_rec.h). */
#include "vm/snapshot/config_rec.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "vm/machine.h"

#define BOARD_NAME "riscv-virt"
#define CONFIG_REC_VERSION 1

/* The config record: the board, RAM, harts, engine, the boot images and
 * command line, and every device with its back end, as given. */
void config_rec_save(const struct machine *m, struct rec_out *o)
{
    const struct vm_config *c = &m->cfg;
    rec_begin(o, "config", CONFIG_REC_VERSION);
    rec_str(o, BOARD_NAME);
    rec_u64(o, m->bus.ram_base);
    rec_u64(o, m->bus.ram_size);
    rec_u32(o, m->nharts);
    rec_bool(o, c->interpret);
    rec_str(o, c->kernel);
    rec_str(o, c->initrd);
    rec_str(o, c->append);
    rec_str(o, c->bios);
    rec_u32(o, c->ndevs);
    for (unsigned i = 0; i < c->ndevs; i++) {
        rec_u8(o, (uint8_t)c->devs[i].kind);
        rec_str(o, c->devs[i].arg);
    }
    rec_end(o);
}

/* A string field as an owned copy, NULL when empty. */
static const char *get_str(struct rec_in *in)
{
    char buf[PATH_MAX];
    rec_get_str(in, buf, sizeof buf);
    if (!rec_ok(in) || !buf[0])
        return NULL;
    char *s = strdup(buf);
    if (!s)
        rec_fail(in, "out of memory");
    return s;
}

int config_rec_load(struct rec_in *in, struct vm_config *c, struct err *e)
{
    *c = (struct vm_config){0};
    if (rec_open(in, "config", CONFIG_REC_VERSION, e) < 0)
        return -1;
    char board[32];
    rec_get_str(in, board, sizeof board);
    if (rec_ok(in) && strcmp(board, BOARD_NAME))
        rec_fail(in, "a machine of board \"%s\" (this cella runs \"%s\")",
                 board, BOARD_NAME);
    uint64_t ram_base = rec_get_u64(in);
    c->mem_size = rec_get_u64(in);
    c->cpus = rec_get_u32(in);
    c->interpret = rec_get_bool(in);
    if (ram_base != BOARD_RAM_BASE)
        rec_fail(in, "RAM at %#llx", (unsigned long long)ram_base);
    if (c->mem_size < VM_MIN_MEM || c->mem_size > VM_MAX_MEM ||
        c->mem_size % 4096)
        rec_fail(in, "RAM of %llu bytes", (unsigned long long)c->mem_size);
    if (c->cpus < 1 || c->cpus > VM_MAX_CPUS)
        rec_fail(in, "%u harts (1-%d)", c->cpus, VM_MAX_CPUS);
    c->kernel = get_str(in);
    c->initrd = get_str(in);
    c->append = get_str(in);
    c->bios = get_str(in);
    c->ndevs = rec_get_u32(in);
    if (c->ndevs > VM_MAX_DEVS) {
        rec_fail(in, "%u devices (at most %d)", c->ndevs, VM_MAX_DEVS);
        c->ndevs = 0;
    }
    for (unsigned i = 0; i < c->ndevs; i++) {
        uint8_t kind = rec_get_u8(in);
        if (kind > VM_DEV_SHARE)
            rec_fail(in, "device %u of kind %u", i, kind);
        c->devs[i].kind = (enum vm_dev_kind)kind;
        c->devs[i].arg = get_str(in);
        if (rec_ok(in) && !c->devs[i].arg)
            rec_fail(in, "device %u without its argument", i);
    }
    return rec_close(in, e);
}

void config_rec_free(struct vm_config *c)
{
    free((char *)c->kernel);
    free((char *)c->initrd);
    free((char *)c->append);
    free((char *)c->bios);
    for (unsigned i = 0; i < c->ndevs; i++)
        free((char *)c->devs[i].arg);
    *c = (struct vm_config){0};
}
