/* The RISC-V virt board's device table: for each device its window on the
 * memory map, its PLIC source, the constructor that makes it and puts it
 * on the bus, the writer of its device-tree node and the save and load of
 * its state record; and the machine's state as the sequence of them. */
#include "vm/riscv/board.h"

#include <errno.h>
#include <libfdt.h>

#include "base/err.h"
#include "base/rec.h"
#include "vm/dev/goldfish_rtc.h"
#include "vm/dev/syscon.h"
#include "vm/dev/uart16550.h"
#include "vm/machine.h"
#include "vm/riscv/clint.h"
#include "vm/riscv/fdt.h"
#include "vm/riscv/plic.h"
#include "vm/riscv/virtio_slots.h"
#include "vm/rv/engine.h"

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

static void test_save(const struct machine *m, const struct board_dev *d,
                      struct rec_out *o)
{
    (void)m, (void)d;
    syscon_save(o);
}

static int test_load(struct machine *m, const struct board_dev *d,
                     struct rec_in *in, struct err *e)
{
    (void)m, (void)d;
    return syscon_load(in, e);
}

static int rtc_create(struct machine *m, const struct board_dev *d,
                      struct err *e)
{
    (void)e;
    goldfish_rtc_attach(&m->bus, d->base, d->size);
    return 0;
}

static int rtc_fdt(void *fdt, const struct machine *m,
                   const struct board_dev *d)
{
    (void)m;
    TRY(fdt_plic_child(fdt, d, "google,goldfish-rtc"));
    return fdt_end_node(fdt);
}

static void rtc_save(const struct machine *m, const struct board_dev *d,
                     struct rec_out *o)
{
    (void)m, (void)d;
    goldfish_rtc_save(o);
}

static int rtc_load(struct machine *m, const struct board_dev *d,
                    struct rec_in *in, struct err *e)
{
    (void)m, (void)d;
    return goldfish_rtc_load(in, e);
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

static void clint_save_dev(const struct machine *m,
                           const struct board_dev *d, struct rec_out *o)
{
    (void)d;
    clint_save(m, o);
}

static int clint_load_dev(struct machine *m, const struct board_dev *d,
                          struct rec_in *in, struct err *e)
{
    (void)d;
    return clint_load(m, in, e);
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

static void plic_save_dev(const struct machine *m, const struct board_dev *d,
                          struct rec_out *o)
{
    (void)d;
    plic_save(m->plic, o);
}

static int plic_load_dev(struct machine *m, const struct board_dev *d,
                         struct rec_in *in, struct err *e)
{
    (void)d;
    return plic_load(m->plic, in, e);
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
    TRY(fdt_plic_child(fdt, d, "ns16550a"));
    TRY(fdt_property_u32(fdt, "clock-frequency", UART_CLOCK_HZ));
    return fdt_end_node(fdt);
}

static void uart_save_dev(const struct machine *m, const struct board_dev *d,
                          struct rec_out *o)
{
    (void)d;
    uart_save(m->uart, o);
}

static int uart_load_dev(struct machine *m, const struct board_dev *d,
                         struct rec_in *in, struct err *e)
{
    (void)d;
    return uart_load(m->uart, in, e);
}

_Static_assert(BOARD_VIRTIO_SLOTS == 8, "one VIRTIO_SLOT below per slot");
#define VIRTIO_SLOT(i)                                                   \
    [BOARD_VIRTIO0 + i] = {"virtio_mmio", 0x10001000ull + i * 0x1000ull,  \
                           0x1000, 1 + i, virtio_slot_create, virtio_slot_fdt, \
                           virtio_slot_save, virtio_slot_load}

const struct board_dev board_devs[BOARD_NDEVS] = {
    [BOARD_TEST] = {"test", 0x00100000, 0x1000, 0, test_create, test_fdt,
                    test_save, test_load},
    [BOARD_RTC] = {"rtc", 0x00101000, 0x1000, 11, rtc_create, rtc_fdt,
                   rtc_save, rtc_load},
    [BOARD_CLINT] = {"clint", 0x02000000, 0x10000, 0, clint_create,
                     clint_fdt, clint_save_dev, clint_load_dev},
    [BOARD_PLIC] = {"plic", 0x0c000000, 0x600000, 0, plic_create, plic_fdt,
                    plic_save_dev, plic_load_dev},
    [BOARD_UART] = {"serial", 0x10000000, 0x100, 10, uart_create, uart_fdt,
                    uart_save_dev, uart_load_dev},
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

/* The machine's own record: its number of harts, and mtime when it was
 * saved. A loaded machine's clock goes on from there (its origin is computed modulo 2^64, so a host
 * up for less time than the guest has run is no trouble). */
#define MACHINE_REC_VERSION 1
#define NS_PER_TICK (1000000000ull / TIMEBASE_HZ)

static void machine_save(const struct machine *m, struct rec_out *o)
{
    rec_begin(o, "machine", MACHINE_REC_VERSION);
    rec_u32(o, m->nharts);
    rec_u64(o, vm_clock_now(&m->clock));
    rec_end(o);
}

static int machine_load(struct machine *m, struct rec_in *in, struct err *e)
{
    if (rec_open(in, "machine", MACHINE_REC_VERSION, e) < 0)
        return -1;
    uint32_t nharts = rec_get_u32(in);
    uint64_t mtime = rec_get_u64(in);
    if (nharts != m->nharts)
        rec_fail(in, "%u harts, this machine has %u", nharts, m->nharts);
    if (mtime > UINT64_MAX / NS_PER_TICK)
        rec_fail(in, "mtime %llu out of range", (unsigned long long)mtime);
    if (rec_close(in, e) < 0)
        return -1;
    m->clock.origin_ns = now_ns() - mtime * NS_PER_TICK;
    return 0;
}

void board_save(const struct machine *m, struct rec_out *o)
{
    machine_save(m, o);
    for (unsigned i = 0; i < m->nharts; i++)
        m->engine->save(m->harts[i], o);
    for (unsigned i = 0; i < BOARD_NDEVS; i++)
        board_devs[i].save(m, &board_devs[i], o);
}

/* The clock first (the CLINT's load sets MTIP against it), the harts
 * before the PLIC (its load drives MEIP and SEIP into them). */
int board_load(struct machine *m, struct rec_in *in, struct err *e)
{
    if (machine_load(m, in, e) < 0)
        return -1;
    for (unsigned i = 0; i < m->nharts; i++)
        if (m->engine->load(m->harts[i], in, e) < 0)
            return -1;
    for (unsigned i = 0; i < BOARD_NDEVS; i++)
        if (board_devs[i].load(m, &board_devs[i], in, e) < 0)
            return -1;
    return 0;
}
