/* Booting the RISC-V board: the firmware, kernel and initrd placed in RAM,
 * the fw_dynamic block, the device tree, and each hart's reset state (in
 * S-mode with traps delegated when the monitor plays the firmware). */
#include "vm/riscv/boot.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "vm/loader.h"
#include "vm/machine.h"
#include "vm/riscv/fdt.h"
#include "vm/rv/engine.h"

#define KERNEL_OFFSET 0x200000ull   /* kernel at RAM + 2 MiB */
#define FDT_MAX 0x10000ull
#define FW_DYNAMIC_MAGIC 0x4942534full

/* Exceptions the monitor hands to S-mode when it is the firmware: all but
 * ecalls from S and M (those are SBI calls). */
#define PARAVIRT_MEDELEG 0xb1ffull

/* Where things go, from the top of RAM down: the device tree, the
 * fw_dynamic info block, then the initrd; the kernel sits at RAM + 2 MiB. */
struct layout {
    uint64_t entry;          /* where harts start */
    uint64_t fdt_addr;
    uint64_t fw_info_addr;
    uint64_t initrd_start, initrd_end;
};

static int load_images(struct machine *m, struct layout *l, struct err *e)
{
    const struct vm_config *c = &m->cfg;
    struct bus *b = &m->bus;
    uint64_t ram_end = b->ram_base + b->ram_size;
    uint64_t low = b->ram_base;
    if (b->ram_size < FDT_MAX + 0x1000)
        return err_set(e, 0, "guest RAM is too small");
    l->fdt_addr = ram_end - FDT_MAX;
    l->fw_info_addr = l->fdt_addr - 0x1000;
    struct loaded fw = {0}, k = {0};
    if (c->bios) {
        if (load_firmware(b, c->bios, &fw, e) < 0)
            return -1;
        l->entry = fw.entry;
        low = fw.end;
        m->tohost = fw.tohost;
    }
    if (c->kernel) {
        uint64_t at = b->ram_base + KERNEL_OFFSET;
        if (low > at)
            return err_set(e, 0, "firmware '%s' overlaps the kernel at "
                           "0x%" PRIx64, c->bios, at);
        if (load_kernel(b, c->kernel, at, &k, e) < 0)
            return -1;
        if (k.end > l->fw_info_addr)
            return err_set(e, 0, "kernel '%s' does not fit in guest RAM",
                           c->kernel);
        low = k.end;
        if (!c->bios)
            l->entry = k.entry;
    }
    if (c->initrd &&
        load_initrd(b, c->initrd, low, l->fw_info_addr, &l->initrd_start,
                    &l->initrd_end, e) < 0)
        return -1;
    if (c->bios && c->kernel) {
        uint64_t info[6] = {FW_DYNAMIC_MAGIC, 2, k.entry, 1 /* S-mode */, 0,
                            0 /* boot hart */};
        memcpy(bus_ram_ptr(b, l->fw_info_addr, sizeof info), info,
               sizeof info);
    }
    return 0;
}

static int write_fdt(struct machine *m, const struct layout *l, struct err *e)
{
    struct fdt_params p = {
        .bootargs = m->cfg.append,
        .initrd_start = l->initrd_start,
        .initrd_end = l->initrd_end,
    };
    void *buf = bus_ram_ptr(&m->bus, l->fdt_addr, FDT_MAX);
    int size = fdt_build(m, &p, buf, FDT_MAX, e);
    if (size < 0)
        return -1;
    if (m->cfg.dump_dtb) {
        FILE *f = fopen(m->cfg.dump_dtb, "wb");
        if (!f)
            return err_set(e, errno, "cannot create '%s'", m->cfg.dump_dtb);
        bool ok = fwrite(buf, 1, (size_t)size, f) == (size_t)size;
        if (fclose(f) != 0 || !ok)
            return err_set(e, errno, "cannot write '%s'", m->cfg.dump_dtb);
    }
    return 0;
}

static void reset_harts(struct machine *m, const struct layout *l)
{
    for (unsigned i = 0; i < m->nharts; i++) {
        struct hart *h = m->harts[i];
        m->engine->reset(h);
        h->pc = l->entry;
        h->x[10] = i;
        h->x[11] = l->fdt_addr;
        h->x[12] = l->fw_info_addr;
        if (m->paravirt) {
            /* The monitor plays the firmware: S-mode, traps delegated, and
             * cycle/time/instret readable from S and U, as firmware leaves
             * them (Linux's vDSO reads time in U-mode). */
            h->priv = PRV_S;
            h->medeleg = PARAVIRT_MEDELEG;
            h->mideleg = MIP_SSIP | MIP_STIP | MIP_SEIP;
            h->mcounteren = 7;
            h->scounteren = 7;
            h->menvcfg = MENVCFG_STCE;
            hart_mode_changed(h);
            if (i != 0)
                atomic_store(&h->hsm_state, HSM_STOPPED);
        }
    }
}

int board_boot(struct machine *m, struct err *e)
{
    struct layout l = {0};
    if (load_images(m, &l, e) < 0 || write_fdt(m, &l, e) < 0)
        return -1;
    reset_harts(m, &l);
    return 0;
}
