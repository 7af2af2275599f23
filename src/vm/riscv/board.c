/* The RISC-V virt board's device table: for each device its window on the
 * memory map, its PLIC source, the constructor that makes it and puts it
 * on the bus, and the writer of its device-tree node. */
#include "vm/riscv/board.h"

#include <errno.h>
#include <libfdt.h>

#include "base/err.h"
#include "vm/dev/goldfish_rtc.h"
#include "vm/dev/syscon.h"
#include "vm/dev/uart16550.h"
#include "vm/machine.h"
#include "vm/riscv/clint.h"
#include "vm/riscv/fdt.h"
#include "vm/riscv/plic.h"
#include "vm/riscv/virtio_slots.h"

#define UART_CLOCK_HZ 3686400u

static int test_create(struct machine *m, const struct board_dev *d,
                       struct err *e)
{
    (void)e;
    syscon_attach(&m->bus, d->base, d->size, &m->power);
    return 0;
}

static int test_fdt(void *fdt, const struct machine *m,
                    const struct board_dev *d)
{
    (void)m;
    TRY(fdt_begin_node_at(fdt, d->name, d->base));
    TRY(STRLIST(fdt, "compatible", "sifive,test1\0sifive,test0\0syscon"));
    TRY(fdt_prop_reg(fdt, d->base, d->size));
    TRY(fdt_property_u32(fdt, "phandle", PH_TEST));
    return fdt_end_node(fdt);
}

static int rtc_create(struct machine *m, const struct board_dev *d,
                      struct err *e)
{
    (void)e;
    goldfish_rtc_attach(&m->bus, d->base, d->size);
    return 0;
}

/* A node with compatible, reg and a PLIC interrupt. */
static int plic_child(void *fdt, const struct board_dev *d,
                      const char *compatible)
{
    TRY(fdt_begin_node_at(fdt, d->name, d->base));
    TRY(fdt_property_string(fdt, "compatible", compatible));
    TRY(fdt_prop_reg(fdt, d->base, d->size));
    TRY(fdt_property_u32(fdt, "interrupts", d->irq));
    return fdt_property_u32(fdt, "interrupt-parent", PH_PLIC);
}

static int rtc_fdt(void *fdt, const struct machine *m,
                   const struct board_dev *d)
{
    (void)m;
    TRY(plic_child(fdt, d, "google,goldfish-rtc"));
    return fdt_end_node(fdt);
}

static int clint_create(struct machine *m, const struct board_dev *d,
                        struct err *e)
{
    (void)e;
    clint_attach(m, d->base, d->size);
    return 0;
}

static int clint_fdt(void *fdt, const struct machine *m,
                     const struct board_dev *d)
{
    TRY(fdt_begin_node_at(fdt, d->name, d->base));
    TRY(STRLIST(fdt, "compatible", "sifive,clint0\0riscv,clint0"));
    TRY(fdt_prop_reg(fdt, d->base, d->size));
    TRY(fdt_prop_irqs_ext(fdt, m->nharts, 3, 7));  /* M software, M timer */
    return fdt_end_node(fdt);
}

static int plic_create(struct machine *m, const struct board_dev *d,
                       struct err *e)
{
    m->plic = plic_new(m);
    if (!m->plic)
        return err_set(e, ENOMEM, "cannot allocate the PLIC");
    plic_attach(m->plic, d->base, d->size);
    return 0;
}

static int plic_fdt(void *fdt, const struct machine *m,
                    const struct board_dev *d)
{
    TRY(fdt_begin_node_at(fdt, d->name, d->base));
    TRY(STRLIST(fdt, "compatible", "sifive,plic-1.0.0\0riscv,plic0"));
    TRY(fdt_prop_reg(fdt, d->base, d->size));
    TRY(fdt_property_u32(fdt, "#address-cells", 0));
    TRY(fdt_property_u32(fdt, "#interrupt-cells", 1));
    TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
    TRY(fdt_property_u32(fdt, "riscv,ndev", PLIC_NUM_SOURCES - 1));
    /* Context 2h is hart h's M-mode, 2h+1 its S-mode. */
    TRY(fdt_prop_irqs_ext(fdt, m->nharts, 11, 9));
    TRY(fdt_property_u32(fdt, "phandle", PH_PLIC));
    return fdt_end_node(fdt);
}

static void uart_tx(void *m, const uint8_t *buf, size_t len)
{
    machine_console_write(m, buf, len);
}

static int uart_create(struct machine *m, const struct board_dev *d,
                       struct err *e)
{
    m->uart = uart_new(machine_irq_line(m, d->irq), uart_tx, m);
    if (!m->uart)
        return err_set(e, ENOMEM, "cannot allocate the UART");
    uart_attach(m->uart, &m->bus, d->base, d->size);
    return 0;
}

static int uart_fdt(void *fdt, const struct machine *m,
                    const struct board_dev *d)
{
    (void)m;
    TRY(plic_child(fdt, d, "ns16550a"));
    TRY(fdt_property_u32(fdt, "clock-frequency", UART_CLOCK_HZ));
    return fdt_end_node(fdt);
}

/* A slot with a device gets a node; Linux names disks in slot order. */
static int virtio_fdt(void *fdt, const struct machine *m,
                      const struct board_dev *d)
{
    if (d - &board_devs[BOARD_VIRTIO0] >= m->nvirtio)
        return 0;
    TRY(plic_child(fdt, d, "virtio,mmio"));
    return fdt_end_node(fdt);
}

_Static_assert(BOARD_VIRTIO_SLOTS == 8, "one VIRTIO_SLOT below per slot");
#define VIRTIO_SLOT(i)                                                   \
    [BOARD_VIRTIO0 + i] = {"virtio_mmio", 0x10001000ull + i * 0x1000ull,  \
                           0x1000, 1 + i, virtio_slot_create, virtio_fdt}

const struct board_dev board_devs[BOARD_NDEVS] = {
    [BOARD_TEST] = {"test", 0x00100000, 0x1000, 0, test_create, test_fdt},
    [BOARD_RTC] = {"rtc", 0x00101000, 0x1000, 11, rtc_create, rtc_fdt},
    [BOARD_CLINT] = {"clint", 0x02000000, 0x10000, 0, clint_create,
                     clint_fdt},
    [BOARD_PLIC] = {"plic", 0x0c000000, 0x600000, 0, plic_create, plic_fdt},
    [BOARD_UART] = {"serial", 0x10000000, 0x100, 10, uart_create, uart_fdt},
    VIRTIO_SLOT(0), VIRTIO_SLOT(1), VIRTIO_SLOT(2), VIRTIO_SLOT(3),
    VIRTIO_SLOT(4), VIRTIO_SLOT(5), VIRTIO_SLOT(6), VIRTIO_SLOT(7),
};

int board_create(struct machine *m, struct err *e)
{
    if (virtio_devices_make(m, e) < 0)
        return -1;
    for (unsigned i = 0; i < BOARD_NDEVS; i++)
        if (board_devs[i].create(m, &board_devs[i], e) < 0)
            return -1;
    return 0;
}
