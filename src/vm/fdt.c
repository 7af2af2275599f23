/* The board's device tree, written with libfdt's sequential-write API in the
 * shape of QEMU's virt board, describing exactly the devices that exist:
 * RAM, the harts and their local interrupt controllers, CLINT, PLIC, UART,
 * the test finisher (power-off and reboot), the RTC and the virtio-mmio
 * slots in use. */
#include "vm/fdt.h"

#include <limits.h>
#include <libfdt.h>
#include <stdio.h>

#include "base/err.h"
#include "vm/machine.h"

#define RISCV_ISA "rv64imafdc_zicsr_zifencei_zba_zbb_zbs_sstc"
#define UART_CLOCK_HZ 3686400u

/* Phandles: the PLIC and the test device, then two per hart (the cpu node
 * and its interrupt controller). */
enum { PH_PLIC = 1, PH_TEST = 2, PH_CPU0 = 3 };

static uint32_t ph_cpu(unsigned hart) { return PH_CPU0 + 2 * hart; }
static uint32_t ph_intc(unsigned hart) { return PH_CPU0 + 2 * hart + 1; }

/* Each step returns 0 or a negative libfdt error; the first error ends the
 * build. */
#define TRY(expr)              \
    do {                       \
        int r_ = (expr);       \
        if (r_ < 0)            \
            return r_;         \
    } while (0)

/* A string list property from a literal with embedded NULs. */
#define STRLIST(fdt, name, lit) fdt_property(fdt, name, lit, sizeof(lit))

static int begin_node_at(void *fdt, const char *name, uint64_t addr)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s@%llx", name, (unsigned long long)addr);
    return fdt_begin_node(fdt, buf);
}

/* reg = <addr size> with #address-cells = #size-cells = 2. */
static int prop_reg(void *fdt, uint64_t addr, uint64_t size)
{
    fdt32_t cells[4] = {
        cpu_to_fdt32(addr >> 32), cpu_to_fdt32((uint32_t)addr),
        cpu_to_fdt32(size >> 32), cpu_to_fdt32((uint32_t)size),
    };
    return fdt_property(fdt, "reg", cells, sizeof cells);
}

/* interrupts-extended = <&intc0 a &intc0 b &intc1 a ...>: the two local
 * interrupt lines a device drives in every hart. */
static int prop_irqs_ext(void *fdt, unsigned nharts, uint32_t a, uint32_t b)
{
    fdt32_t cells[4 * VM_MAX_CPUS];
    for (unsigned i = 0; i < nharts; i++) {
        cells[4 * i + 0] = cpu_to_fdt32(ph_intc(i));
        cells[4 * i + 1] = cpu_to_fdt32(a);
        cells[4 * i + 2] = cpu_to_fdt32(ph_intc(i));
        cells[4 * i + 3] = cpu_to_fdt32(b);
    }
    return fdt_property(fdt, "interrupts-extended", cells,
                        (int)(4 * nharts * sizeof cells[0]));
}

static int chosen(void *fdt, const struct fdt_params *p)
{
    char path[64];
    snprintf(path, sizeof path, "/soc/serial@%llx", MEM_UART_BASE);
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
    TRY(begin_node_at(fdt, "memory", m->bus.ram_base));
    TRY(fdt_property_string(fdt, "device_type", "memory"));
    TRY(prop_reg(fdt, m->bus.ram_base, m->bus.ram_size));
    return fdt_end_node(fdt);
}

static int cpu(void *fdt, unsigned hart)
{
    TRY(begin_node_at(fdt, "cpu", hart));
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
    TRY(fdt_property_u32(fdt, "phandle", ph_intc(hart)));
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

/* One node per populated virtio-mmio slot, in slot order: Linux names
 * disks in the order it finds them. */
static int virtio_slots(void *fdt, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t base = MEM_VIRTIO_BASE + i * MEM_VIRTIO_STRIDE;
        TRY(begin_node_at(fdt, "virtio_mmio", base));
        TRY(fdt_property_string(fdt, "compatible", "virtio,mmio"));
        TRY(prop_reg(fdt, base, MEM_VIRTIO_STRIDE));
        TRY(fdt_property_u32(fdt, "interrupts", IRQ_VIRTIO0 + i));
        TRY(fdt_property_u32(fdt, "interrupt-parent", PH_PLIC));
        TRY(fdt_end_node(fdt));
    }
    return 0;
}

static int soc(void *fdt, unsigned nharts, unsigned nvirtio)
{
    TRY(fdt_begin_node(fdt, "soc"));
    TRY(fdt_property_u32(fdt, "#address-cells", 2));
    TRY(fdt_property_u32(fdt, "#size-cells", 2));
    TRY(fdt_property_string(fdt, "compatible", "simple-bus"));
    TRY(fdt_property(fdt, "ranges", NULL, 0));

    TRY(begin_node_at(fdt, "test", MEM_TEST_BASE));
    TRY(STRLIST(fdt, "compatible", "sifive,test1\0sifive,test0\0syscon"));
    TRY(prop_reg(fdt, MEM_TEST_BASE, MEM_TEST_SIZE));
    TRY(fdt_property_u32(fdt, "phandle", PH_TEST));
    TRY(fdt_end_node(fdt));

    TRY(begin_node_at(fdt, "rtc", MEM_RTC_BASE));
    TRY(fdt_property_string(fdt, "compatible", "google,goldfish-rtc"));
    TRY(prop_reg(fdt, MEM_RTC_BASE, MEM_RTC_SIZE));
    TRY(fdt_property_u32(fdt, "interrupts", IRQ_RTC));
    TRY(fdt_property_u32(fdt, "interrupt-parent", PH_PLIC));
    TRY(fdt_end_node(fdt));

    TRY(begin_node_at(fdt, "clint", MEM_CLINT_BASE));
    TRY(STRLIST(fdt, "compatible", "sifive,clint0\0riscv,clint0"));
    TRY(prop_reg(fdt, MEM_CLINT_BASE, MEM_CLINT_SIZE));
    TRY(prop_irqs_ext(fdt, nharts, 3, 7));    /* M software, M timer */
    TRY(fdt_end_node(fdt));

    TRY(begin_node_at(fdt, "plic", MEM_PLIC_BASE));
    TRY(STRLIST(fdt, "compatible", "sifive,plic-1.0.0\0riscv,plic0"));
    TRY(prop_reg(fdt, MEM_PLIC_BASE, MEM_PLIC_SIZE));
    TRY(fdt_property_u32(fdt, "#address-cells", 0));
    TRY(fdt_property_u32(fdt, "#interrupt-cells", 1));
    TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
    TRY(fdt_property_u32(fdt, "riscv,ndev", PLIC_NUM_SOURCES - 1));
    TRY(prop_irqs_ext(fdt, nharts, 11, 9));   /* context 2h: M, 2h+1: S */
    TRY(fdt_property_u32(fdt, "phandle", PH_PLIC));
    TRY(fdt_end_node(fdt));

    TRY(begin_node_at(fdt, "serial", MEM_UART_BASE));
    TRY(fdt_property_string(fdt, "compatible", "ns16550a"));
    TRY(prop_reg(fdt, MEM_UART_BASE, MEM_UART_SIZE));
    TRY(fdt_property_u32(fdt, "clock-frequency", UART_CLOCK_HZ));
    TRY(fdt_property_u32(fdt, "interrupts", IRQ_UART));
    TRY(fdt_property_u32(fdt, "interrupt-parent", PH_PLIC));
    TRY(fdt_end_node(fdt));

    TRY(virtio_slots(fdt, nvirtio));
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
    TRY(soc(fdt, m->nharts, m->nvirtio));
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
