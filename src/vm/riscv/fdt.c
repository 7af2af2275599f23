/* The board's device tree, written with libfdt's sequential-write API in the
 * shape of QEMU's virt board, describing exactly what exists: RAM, the
 * harts and their local interrupt controllers, and the devices of the
 * board table (each entry writes its own node, riscv/board.c), and the
 * power-off and reboot nodes on the test device. */
#include "vm/riscv/fdt.h"

#include <limits.h>
#include <libfdt.h>
#include <stdio.h>

#include "base/err.h"
#include "vm/machine.h"
#include "vm/riscv/board.h"

#define RISCV_ISA "rv64imafdc_zicsr_zifencei_zba_zbb_zbs_sstc"

uint32_t fdt_phandle_intc(unsigned hart)
{
    return PH_CPU0 + 2 * hart + 1;
}

static uint32_t ph_cpu(unsigned hart) { return PH_CPU0 + 2 * hart; }

int fdt_begin_node_at(void *fdt, const char *name, uint64_t addr)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s@%llx", name, (unsigned long long)addr);
    return fdt_begin_node(fdt, buf);
}

int fdt_prop_reg(void *fdt, uint64_t addr, uint64_t size)
{
    fdt32_t cells[4] = {
        cpu_to_fdt32(addr >> 32), cpu_to_fdt32((uint32_t)addr),
        cpu_to_fdt32(size >> 32), cpu_to_fdt32((uint32_t)size),
    };
    return fdt_property(fdt, "reg", cells, sizeof cells);
}

int fdt_prop_irqs_ext(void *fdt, unsigned nharts, uint32_t a, uint32_t b)
{
    fdt32_t cells[4 * VM_MAX_CPUS];
    for (unsigned i = 0; i < nharts; i++) {
        cells[4 * i + 0] = cpu_to_fdt32(fdt_phandle_intc(i));
        cells[4 * i + 1] = cpu_to_fdt32(a);
        cells[4 * i + 2] = cpu_to_fdt32(fdt_phandle_intc(i));
        cells[4 * i + 3] = cpu_to_fdt32(b);
    }
    return fdt_property(fdt, "interrupts-extended", cells,
                        (int)(4 * nharts * sizeof cells[0]));
}

int fdt_plic_child(void *fdt, const struct board_dev *d,
                   const char *compatible)
{
    TRY(fdt_begin_node_at(fdt, d->name, d->base));
    TRY(fdt_property_string(fdt, "compatible", compatible));
    TRY(fdt_prop_reg(fdt, d->base, d->size));
    TRY(fdt_property_u32(fdt, "interrupts", d->irq));
    return fdt_property_u32(fdt, "interrupt-parent", PH_PLIC);
}

static int chosen(void *fdt, const struct fdt_params *p)
{
    char path[64];
    snprintf(path, sizeof path, "/soc/%s@%llx", board_devs[BOARD_UART].name,
             (unsigned long long)board_devs[BOARD_UART].base);
    TRY(fdt_begin_node(fdt, "chosen"));
    if (p->bootargs)
        TRY(fdt_property_string(fdt, "bootargs", p->bootargs));
    TRY(fdt_property_string(fdt, "stdout-path", path));
    if (p->initrd_start) {
        TRY(fdt_property_u64(fdt, "linux,initrd-start", p->initrd_start));
        TRY(fdt_property_u64(fdt, "linux,initrd-end", p->initrd_end));
    }
    return fdt_end_node(fdt);
}

static int memory(void *fdt, const struct machine *m)
{
    TRY(fdt_begin_node_at(fdt, "memory", m->bus.ram_base));
    TRY(fdt_property_string(fdt, "device_type", "memory"));
    TRY(fdt_prop_reg(fdt, m->bus.ram_base, m->bus.ram_size));
    return fdt_end_node(fdt);
}

static int cpu(void *fdt, unsigned hart)
{
    TRY(fdt_begin_node_at(fdt, "cpu", hart));
    TRY(fdt_property_u32(fdt, "phandle", ph_cpu(hart)));
    TRY(fdt_property_string(fdt, "device_type", "cpu"));
    TRY(fdt_property_u32(fdt, "reg", hart));
    TRY(fdt_property_string(fdt, "status", "okay"));
    TRY(fdt_property_string(fdt, "compatible", "riscv"));
    TRY(fdt_property_string(fdt, "riscv,isa", RISCV_ISA));
    TRY(fdt_property_string(fdt, "mmu-type", "riscv,sv48"));
    TRY(fdt_begin_node(fdt, "interrupt-controller"));
    TRY(fdt_property_u32(fdt, "#interrupt-cells", 1));
    TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
    TRY(fdt_property_string(fdt, "compatible", "riscv,cpu-intc"));
    TRY(fdt_property_u32(fdt, "phandle", fdt_phandle_intc(hart)));
    TRY(fdt_end_node(fdt));
    return fdt_end_node(fdt);
}

static int cpus(void *fdt, unsigned nharts)
{
    TRY(fdt_begin_node(fdt, "cpus"));
    TRY(fdt_property_u32(fdt, "#address-cells", 1));
    TRY(fdt_property_u32(fdt, "#size-cells", 0));
    TRY(fdt_property_u32(fdt, "timebase-frequency", (uint32_t)TIMEBASE_HZ));
    for (unsigned i = 0; i < nharts; i++)
        TRY(cpu(fdt, i));
    TRY(fdt_begin_node(fdt, "cpu-map"));
    TRY(fdt_begin_node(fdt, "cluster0"));
    for (unsigned i = 0; i < nharts; i++) {
        char name[16];
        snprintf(name, sizeof name, "core%u", i);
        TRY(fdt_begin_node(fdt, name));
        TRY(fdt_property_u32(fdt, "cpu", ph_cpu(i)));
        TRY(fdt_end_node(fdt));
    }
    TRY(fdt_end_node(fdt));
    TRY(fdt_end_node(fdt));
    return fdt_end_node(fdt);
}

/* The board's devices, from its table, in address order. */
static int soc(void *fdt, const struct machine *m)
{
    TRY(fdt_begin_node(fdt, "soc"));
    TRY(fdt_property_u32(fdt, "#address-cells", 2));
    TRY(fdt_property_u32(fdt, "#size-cells", 2));
    TRY(fdt_property_string(fdt, "compatible", "simple-bus"));
    TRY(fdt_property(fdt, "ranges", NULL, 0));
    for (unsigned i = 0; i < BOARD_NDEVS; i++)
        TRY(board_devs[i].fdt(fdt, m, &board_devs[i]));
    return fdt_end_node(fdt);
}

/* Power-off and reboot through the test device's register. They sit at the
 * root, as on QEMU's virt: Linux creates devices for the children of buses
 * ("simple-bus", "simple-mfd"), not for those of a plain "syscon" node. */
static int finisher(void *fdt, const char *name, uint32_t value)
{
    char compat[32];
    snprintf(compat, sizeof compat, "syscon-%s", name);
    TRY(fdt_begin_node(fdt, name));
    TRY(fdt_property_string(fdt, "compatible", compat));
    TRY(fdt_property_u32(fdt, "regmap", PH_TEST));
    TRY(fdt_property_u32(fdt, "offset", 0));
    TRY(fdt_property_u32(fdt, "value", value));
    return fdt_end_node(fdt);
}

static int build(void *fdt, int size, const struct machine *m,
                 const struct fdt_params *p)
{
    TRY(fdt_create(fdt, size));
    TRY(fdt_finish_reservemap(fdt));
    TRY(fdt_begin_node(fdt, ""));
    TRY(fdt_property_u32(fdt, "#address-cells", 2));
    TRY(fdt_property_u32(fdt, "#size-cells", 2));
    TRY(fdt_property_string(fdt, "compatible", "riscv-virtio"));
    TRY(fdt_property_string(fdt, "model", "riscv-virtio,cella"));
    TRY(chosen(fdt, p));
    TRY(memory(fdt, m));
    TRY(cpus(fdt, m->nharts));
    TRY(soc(fdt, m));
    TRY(finisher(fdt, "poweroff", 0x5555));
    TRY(finisher(fdt, "reboot", 0x7777));
    TRY(fdt_end_node(fdt));
    return fdt_finish(fdt);
}

int fdt_build(const struct machine *m, const struct fdt_params *p, void *buf,
              size_t size, struct err *e)
{
    if (m->nharts == 0 || m->nharts > VM_MAX_CPUS)
        return err_set(e, 0, "device tree: %u harts (1-%d supported)",
                       m->nharts, VM_MAX_CPUS);
    int r = build(buf, size > INT_MAX ? INT_MAX : (int)size, m, p);
    if (r < 0)
        return err_set(e, 0, "device tree: %s", fdt_strerror(r));
    return (int)fdt_totalsize(buf);
}
