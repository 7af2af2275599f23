/* Saving a paused machine to a snapshot directory and reading one back:
 * the config record (what the machine was built from), the memory file,
 * and the state file around the machine's records. */
#include "vm/snapshot/snapshot.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "vm/machine.h"
#include "vm/riscv/board.h"
#include "vm/snapshot/memory.h"
#include "vm/snapshot/state_file.h"

#define BOARD_NAME "riscv-virt"
#define CONFIG_REC_VERSION 1

/* The config record: the board, RAM, harts, engine, the boot images and
 * command line, and every device with its back end, as given. */
static void config_save(const struct machine *m, struct rec_out *o)
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

static int config_load(struct snapshot *s, struct err *e)
{
    struct rec_in *in = &s->records;
    struct vm_config *c = &s->cfg;
    if (rec_open(in, "config", CONFIG_REC_VERSION, e) < 0)
        return -1;
    char board[32];
    rec_get_str(in, board, sizeof board);
    if (rec_ok(in) && strcmp(board, BOARD_NAME))
        rec_fail(in, "a machine of board \"%s\" (this cella runs \"%s\")",
                 board, BOARD_NAME);
    s->ram_base = rec_get_u64(in);
    c->mem_size = rec_get_u64(in);
    c->cpus = rec_get_u32(in);
    c->interpret = rec_get_bool(in);
    if (s->ram_base != BOARD_RAM_BASE)
        rec_fail(in, "RAM at %#llx", (unsigned long long)s->ram_base);
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

static int join(char *out, const char *dir, const char *name, struct err *e)
{
    if ((size_t)snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
        return err_set(e, ENAMETOOLONG, "%s", dir);
    return 0;
}

int snapshot_save(struct machine *m, const char *dir, bool force,
                  struct err *e)
{
    char state[PATH_MAX], memory[PATH_MAX];
    if (join(state, dir, "state", e) < 0 || join(memory, dir, "memory", e) < 0)
        return -1;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return err_set(e, errno, "cannot make snapshot directory %s", dir);
    if (access(state, F_OK) == 0) {
        if (!force)
            return err_set(e, EEXIST, "%s holds a snapshot already "
                           "(force to replace it)", dir);
        if (unlink(state) < 0)
            return err_set(e, errno, "cannot remove %s", state);
    }
    struct rec_out o = {0};
    config_save(m, &o);
    board_save(m, &o);
    int r = rec_out_check(&o, e);
    if (r == 0)
        r = memory_file_write(memory, m->bus.ram, m->bus.ram_size,
                              m->ram_fd, e);
    if (r == 0)
        r = state_file_write(state, o.buf, o.len, e);
    rec_out_free(&o);
    return r;
}

int snapshot_parse(struct snapshot *s, uint8_t *file, size_t len,
                   const char *name, struct err *e)
{
    *s = (struct snapshot){.file = file};
    const uint8_t *records;
    size_t nrecords;
    if (state_file_parse(file, len, name, &records, &nrecords, e) < 0) {
        snapshot_close(s);
        return -1;
    }
    rec_in_init(&s->records, records, nrecords);
    if (config_load(s, e) < 0) {
        snapshot_close(s);
        return err_prefix(e, "%s", name);
    }
    return 0;
}

int snapshot_open(const char *dir, struct snapshot *s, struct err *e)
{
    *s = (struct snapshot){0};
    char state[PATH_MAX], memory[PATH_MAX];
    if (join(state, dir, "state", e) < 0 || join(memory, dir, "memory", e) < 0)
        return -1;
    uint8_t *file;
    size_t len;
    if (read_file(state, &file, &len, e) < 0)
        return -1;
    if (snapshot_parse(s, file, len, state, e) < 0)
        return -1;
    s->memory_path = strdup(memory);
    if (!s->memory_path) {
        snapshot_close(s);
        return err_set(e, ENOMEM, "cannot read %s", state);
    }
    return 0;
}

void snapshot_close(struct snapshot *s)
{
    struct vm_config *c = &s->cfg;
    free((char *)c->kernel);
    free((char *)c->initrd);
    free((char *)c->append);
    free((char *)c->bios);
    for (unsigned i = 0; i < c->ndevs; i++)
        free((char *)c->devs[i].arg);
    free(s->memory_path);
    free(s->file);
    *s = (struct snapshot){0};
}
