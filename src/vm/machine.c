/* The board: guest RAM, devices on the QEMU-virt memory map, boot layout
 * (firmware, kernel, initrd, device tree), the vCPU threads, and the
 * watch over how the machine ends. */
#include "vm/machine.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "vm/backend/term.h"
#include "vm/board_virtio.h"
#include "vm/cmdline.h"
#include "vm/dev/goldfish_rtc.h"
#include "vm/dev/syscon.h"
#include "vm/dev/uart16550.h"
#include "vm/fdt.h"
#include "vm/iothread.h"
#include "vm/loader.h"
#include "vm/riscv/clint.h"
#include "vm/riscv/plic.h"
#include "vm/rv/hart.h"
#include "vm/sbi.h"
#include "vm/vcpu.h"
#include "vm/virtio/console.h"

#define KERNEL_OFFSET 0x200000ull   /* kernel at RAM + 2 MiB */
#define FDT_MAX 0x10000ull
#define FW_DYNAMIC_MAGIC 0x4942534full

/* Exceptions the monitor hands to S-mode when it is the firmware: all but
 * ecalls from S and M (those are SBI calls). */
#define PARAVIRT_MEDELEG 0xb1ffull

uint64_t machine_time(const struct machine *m)
{
    return (now_ns() - m->time_origin_ns) / (1000000000ull / TIMEBASE_HZ);
}

void machine_stop(struct machine *m, int status)
{
    int expect = -1;
    if (atomic_compare_exchange_strong(&m->exit_status, &expect, status))
        for (unsigned i = 0; i < m->nharts; i++)
            hart_kick(m->harts[i]);
}

void machine_set_irq(struct machine *m, unsigned irq, bool level)
{
    plic_set_irq(m->plic, irq, level);
}

static void set_irq(void *m, unsigned irq, bool level)
{
    machine_set_irq(m, irq, level);
}

struct irq_line machine_irq_line(struct machine *m, unsigned irq)
{
    return (struct irq_line){set_irq, m, irq};
}

static void stop(void *m, int status)
{
    machine_stop(m, status);
}

struct vm_power machine_power(struct machine *m)
{
    return (struct vm_power){stop, m};
}

void machine_console_write(struct machine *m, const uint8_t *buf, size_t len)
{
    term_write(m->term, buf, len);
}

void machine_console_writev(struct machine *m, const struct iovec *iov,
                            unsigned n)
{
    term_writev(m->term, iov, n);
}

static void uart_tx(void *opaque, const uint8_t *buf, size_t len)
{
    machine_console_write(opaque, buf, len);
}

static size_t uart_input(void *uart, const uint8_t *buf, size_t len)
{
    return uart_rx(uart, buf, len);
}

int machine_sbi_getchar(struct machine *m)
{
    int c = -1;
    atomic_store(&m->sbi_getchar_used, true);
    pthread_mutex_lock(&m->sbi_in_lock);
    if (m->sbi_in_count) {
        c = m->sbi_in[m->sbi_in_head];
        m->sbi_in_head = (m->sbi_in_head + 1) % sizeof m->sbi_in;
        m->sbi_in_count--;
    }
    pthread_mutex_unlock(&m->sbi_in_lock);
    return c;
}

static size_t sbi_input(struct machine *m, const uint8_t *buf, size_t len)
{
    size_t n = 0;
    pthread_mutex_lock(&m->sbi_in_lock);
    for (; n < len && m->sbi_in_count < sizeof m->sbi_in; n++)
        m->sbi_in[(m->sbi_in_head + m->sbi_in_count++) % sizeof m->sbi_in] =
            buf[n];
    pthread_mutex_unlock(&m->sbi_in_lock);
    return n;
}

/* An hvc console is the virtio console, or in a kernel with the SBI hvc
 * driver (it takes hvc0 for itself), the SBI console: that one polls
 * legacy getchar, which tells them apart. */
static size_t hvc_input(void *opaque, const uint8_t *buf, size_t len)
{
    struct machine *m = opaque;
    if (atomic_load(&m->sbi_getchar_used))
        return sbi_input(m, buf, len);
    return virtio_console_rx(m->console, buf, len);
}

/* Typed input goes to the device behind the guest's console: an hvc
 * console when the kernel command line makes hvc0 or hvc1 the console,
 * else the UART. */
static struct term *open_console(struct machine *m, struct err *e)
{
    if (m->console && (cmdline_console_is(m->cfg.append, "hvc0") ||
                       cmdline_console_is(m->cfg.append, "hvc1")))
        return term_open(m->power, hvc_input, m, e);
    return term_open(m->power, uart_input, m->uart, e);
}

/* Guest RAM is one shared memfd mapping (untouched RAM costs nothing). */
static int alloc_ram(struct machine *m, uint64_t size, struct err *e)
{
    int fd = memfd_create("cella-ram", MFD_CLOEXEC);
    if (fd < 0)
        return err_set(e, errno, "cannot create guest RAM");
    if (ftruncate(fd, (off_t)size) < 0) {
        int en = errno;
        close(fd);
        return err_set(e, en, "cannot size guest RAM to %" PRIu64 " bytes",
                       size);
    }
    void *p = mmap(0, size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_NORESERVE, fd, 0);
    int en = errno;
    close(fd);
    if (p == MAP_FAILED)
        return err_set(e, en, "cannot map %" PRIu64 " bytes of guest RAM",
                       size);
    m->bus.ram = p;
    m->bus.ram_base = MEM_RAM_BASE;
    m->bus.ram_size = size;
    return 0;
}

static int create_harts(struct machine *m, struct err *e)
{
    for (unsigned i = 0; i < m->cfg.cpus; i++) {
        struct hart *h = calloc(1, sizeof *h);
        if (!h)
            return err_set(e, ENOMEM, "cannot allocate hart %u", i);
        int r = hart_init(h, m, i, e);
        if (r < 0) {
            free(h);
            return -1;
        }
        if (r > 0) {
            /* The host said no to hart i: it says no to all. One warning,
             * and the harts after it are not made to ask again. */
            fprintf(stderr, "cella: warning: %s: running interpreted\n",
                    e->msg);
            m->cfg.interpret = true;
        }
        m->harts[i] = h;
        m->nharts = i + 1;
    }
    return 0;
}

static int add_devices(struct machine *m, struct err *e)
{
    m->io = iothread_new(e);
    if (!m->io)
        return -1;
    m->plic = plic_new(m);
    plic_attach(m->plic);
    clint_attach(m);
    m->uart = uart_new(machine_irq_line(m, IRQ_UART), uart_tx, m);
    uart_attach(m->uart, &m->bus, MEM_UART_BASE, MEM_UART_SIZE);
    syscon_attach(&m->bus, MEM_TEST_BASE, MEM_TEST_SIZE, &m->power);
    goldfish_rtc_attach(&m->bus, MEM_RTC_BASE, MEM_RTC_SIZE);
    return virtio_devices_add(m, e);
}

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

/* HTIF: 1 = pass, (n << 1) | 1 = case n failed; device 1 command 1 is a
 * console byte. */
static void poll_tohost(struct machine *m)
{
    _Atomic uint64_t *p = bus_ram_ptr(&m->bus, m->tohost, 8);
    if (!p)
        return;
    uint64_t v = atomic_exchange(p, 0);
    if (!v)
        return;
    if ((v >> 48) == 0x0101) {
        uint8_t c = (uint8_t)v;
        machine_console_write(m, &c, 1);
        _Atomic uint64_t *from = bus_ram_ptr(&m->bus, m->tohost + 8, 8);
        if (from)
            atomic_store(from, 1);
        return;
    }
    if (v == 1) {
        machine_stop(m, EXIT_POWEROFF);
    } else {
        fprintf(stderr, "cella: test failed: case %" PRIu64 "\n", v >> 1);
        machine_stop(m, EXIT_GUEST_FAIL);
    }
}

/* SIGINT, SIGTERM and SIGHUP stop the machine (exit status 1) so the
 * terminal is restored on the way out; the watch loop notices the flag. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

static void catch_signals(bool on)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa = {.sa_handler = on ? on_stop_signal : SIG_DFL};
    sigemptyset(&sa.sa_mask);
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, 0);
    /* A closed stdout must not kill the monitor: output is dropped. */
    signal(SIGPIPE, on ? SIG_IGN : SIG_DFL);
}

static int run_harts(struct machine *m, struct err *e)
{
    unsigned started = 0;
    for (; started < m->nharts; started++) {
        int r = pthread_create(&m->harts[started]->thread, 0, vcpu_thread,
                               m->harts[started]);
        if (r) {
            err_set(e, r, "cannot start vCPU thread");
            machine_stop(m, EXIT_ERROR);
            break;
        }
    }
    while (started == m->nharts && atomic_load(&m->exit_status) < 0) {
        struct timespec ts = {0, m->tohost ? 1000000 : 20000000};
        nanosleep(&ts, 0);
        if (m->tohost)
            poll_tohost(m);
        if (stop_signal)
            machine_stop(m, EXIT_ERROR);
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(m->harts[i]->thread, 0);
    return started == m->nharts ? 0 : -1;
}

/* The I/O thread stops before the console closes: a virtio console's
 * output is written from it. */
static void destroy(struct machine *m)
{
    iothread_free(m->io);
    term_close(m->term);
    virtio_devices_free(m);
    for (unsigned i = 0; i < m->nharts; i++) {
        hart_destroy(m->harts[i]);
        free(m->harts[i]);
    }
    if (m->uart)
        uart_free(m->uart);
    if (m->plic)
        plic_free(m->plic);
    if (m->bus.ram)
        munmap(m->bus.ram, m->bus.ram_size);
    pthread_mutex_destroy(&m->sbi_in_lock);
    free(m);
}

int machine_run(const struct vm_config *cfg, struct err *e)
{
    struct machine *m = calloc(1, sizeof *m);
    if (!m)
        return err_set(e, ENOMEM, "cannot allocate the machine");
    m->cfg = *cfg;
    m->paravirt = cfg->bios == 0;
    m->time_origin_ns = now_ns();
    atomic_store(&m->exit_status, -1);
    m->power = machine_power(m);
    pthread_mutex_init(&m->sbi_in_lock, NULL);

    int status = -1;
    struct layout l = {0};
    if (alloc_ram(m, cfg->mem_size, e) < 0 || create_harts(m, e) < 0)
        goto out;
    if (add_devices(m, e) < 0)
        goto out;
    if (load_images(m, &l, e) < 0 || write_fdt(m, &l, e) < 0)
        goto out;
    if (cfg->dump_dtb) {
        status = 0;
        goto out;
    }
    reset_harts(m, &l);
    m->term = open_console(m, e);
    if (!m->term || iothread_start(m->io, e) < 0)
        goto out;
    stop_signal = 0;
    catch_signals(true);
    if (run_harts(m, e) == 0)
        status = atomic_load(&m->exit_status);
    catch_signals(false);
out:
    destroy(m);     /* restores the terminal before any message */
    if (stop_signal)
        fprintf(stderr, "cella: stopped by signal %d\n", (int)stop_signal);
    return status;
}
