/* The board: guest RAM, devices on the QEMU-virt memory map, boot layout
 * (firmware, kernel, initrd, device tree), the vCPU threads, and the
 * watch over how the machine ends. */
#include "vm/machine.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "vm/api/server.h"
#include "vm/backend/term.h"
#include "vm/cmdline.h"
#include "vm/dev/uart16550.h"
#include "vm/iothread.h"
#include "vm/migrate/incoming.h"
#include "vm/migrate/source.h"
#include "vm/riscv/boot.h"
#include "vm/riscv/plic.h"
#include "vm/riscv/virtio_slots.h"
#include "vm/rv/engine.h"
#include "vm/snapshot/memory.h"
#include "vm/snapshot/snapshot.h"
#include "vm/vcpu.h"
#include "vm/virtio/console.h"

void machine_stop(struct machine *m, int status)
{
    int expect = -1;
    if (!atomic_compare_exchange_strong(&m->exit_status, &expect, status))
        return;
    for (unsigned i = 0; i < m->nharts; i++)
        m->engine->kick(m->harts[i]);
    pthread_mutex_lock(&m->pause_lock);
    pthread_cond_broadcast(&m->pause_cond);
    pthread_mutex_unlock(&m->pause_lock);
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

struct hart_env machine_hart_env(struct machine *m)
{
    return (struct hart_env){
        .bus = &m->bus,
        .clock = &m->clock,
        .power = machine_power(m),
        .ending = &m->exit_status,
        .pausing = &m->pausing,
        .paravirt = m->paravirt,
        .perf_map = m->cfg.perf_map,
    };
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
    if (p == MAP_FAILED) {
        int en = errno;
        close(fd);
        return err_set(e, en, "cannot map %" PRIu64 " bytes of guest RAM",
                       size);
    }
    m->ram_fd = fd;
    m->bus.ram = p;
    m->bus.ram_base = BOARD_RAM_BASE;
    m->bus.ram_size = size;
    return 0;
}

static int create_harts(struct machine *m, struct err *e)
{
    m->engine = engine_ops(m->cfg.interpret ? ENGINE_INTERP : ENGINE_JIT);
    struct hart_env env = machine_hart_env(m);
    for (unsigned i = 0; i < m->cfg.cpus; i++) {
        struct hart *h = calloc(1, sizeof *h);
        if (!h)
            return err_set(e, ENOMEM, "cannot allocate hart %u", i);
        int r = m->engine->init(h, &env, i, e);
        if (r < 0) {
            free(h);
            return -1;
        }
        if (r > 0) {
            /* The host said no to hart i's engine: it says no to all. One
             * warning, and the harts after it are not made to ask again. */
            fprintf(stderr, "cella: warning: %s: running interpreted\n",
                    e->msg);
            m->engine = engine_ops(ENGINE_INTERP);
        }
        m->harts[i] = h;
        m->vcpus[i] = (struct vcpu){.m = m, .index = i};
        m->nharts = i + 1;
    }
    return 0;
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
        int r = pthread_create(&m->vcpus[started].thread, 0, vcpu_thread,
                               &m->vcpus[started]);
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
        pthread_join(m->vcpus[i].thread, 0);
    return started == m->nharts ? 0 : -1;
}

/* The API stops first (a pause it asks for waits on the I/O thread); the
 * I/O thread stops before the console closes: a virtio console's output
 * is written from it. */
static void destroy(struct machine *m)
{
    migration_stop(m);
    api_stop(m->api);
    migration_free(m);
    iothread_free(m->io);
    term_close(m->term);
    virtio_devices_free(m);
    for (unsigned i = 0; i < m->nharts; i++) {
        m->engine->destroy(m->harts[i]);
        free(m->harts[i]);
    }
    if (m->uart)
        uart_free(m->uart);
    if (m->plic)
        plic_free(m->plic);
    if (m->bus.ram)
        munmap(m->bus.ram, m->bus.ram_size);
    if (m->ram_fd >= 0)
        close(m->ram_fd);
    free(m->bus.dirty);
    pthread_mutex_destroy(&m->sbi_in_lock);
    pthread_cond_destroy(&m->pause_cond);
    pthread_mutex_destroy(&m->pause_lock);
    free(m);
}

/* The config of a machine whose own config comes from elsewhere (a
 * snapshot, or a migration's source; what names it in messages): that
 * config, with the engine asked for now, and the devices' back ends given
 * again when they are (the same devices, in the same order, pointing
 * elsewhere). RAM and harts, when given (an incoming machine), must be
 * what it had. */
static int given_config(const struct vm_config *cfg,
                        const struct vm_config *from, const char *what,
                        const char *whose, struct vm_config *c,
                        struct err *e)
{
    *c = *from;
    c->restore = cfg->restore;
    c->incoming = cfg->incoming;
    c->api = cfg->api;
    c->interpret = cfg->interpret;
    c->perf_map = cfg->perf_map;
    if (cfg->mem_size && cfg->mem_size != from->mem_size)
        return err_set(e, 0, "%s: %s has %" PRIu64 " MiB of RAM, --mem "
                       "asks for %" PRIu64 " MiB", what, whose,
                       from->mem_size >> 20, cfg->mem_size >> 20);
    if (cfg->cpus && cfg->cpus != from->cpus)
        return err_set(e, 0, "%s: %s has %u hart%s, --cpus asks for %u",
                       what, whose, from->cpus, from->cpus == 1 ? "" : "s",
                       cfg->cpus);
    if (!cfg->ndevs)
        return 0;
    if (cfg->ndevs != c->ndevs)
        return err_set(e, 0, "%s: %s has %u devices, %u given", what,
                       whose, c->ndevs, cfg->ndevs);
    for (unsigned i = 0; i < c->ndevs; i++) {
        if (cfg->devs[i].kind != c->devs[i].kind)
            return err_set(e, 0, "%s: device %u is not of the kind %s "
                           "has ('%s')", what, i + 1, whose,
                           c->devs[i].arg);
        c->devs[i].arg = cfg->devs[i].arg;
    }
    return 0;
}

/* RAM (with its dirty log), harts, the I/O thread and the board's
 * devices; then the boot images, the state of snap, or the state coming
 * in. */
static int build(struct machine *m, struct snapshot *snap,
                 struct incoming *in, struct err *e)
{
    if (snap) {
        m->bus.ram = memory_file_map(snap->memory_path, m->cfg.mem_size, e);
        if (!m->bus.ram)
            return -1;
        m->bus.ram_base = BOARD_RAM_BASE;
        m->bus.ram_size = m->cfg.mem_size;
    } else if (alloc_ram(m, m->cfg.mem_size, e) < 0) {
        return -1;
    }
    m->bus.dirty = calloc(bus_dirty_words(&m->bus), 8);
    if (!m->bus.dirty)
        return err_set(e, ENOMEM, "cannot allocate guest RAM's dirty log");
    if (create_harts(m, e) < 0)
        return -1;
    m->io = iothread_new(e);
    if (!m->io || board_create(m, e) < 0)
        return -1;
    if (in)
        return incoming_receive(in, m, e) < 0
                   ? err_prefix(e, "--incoming %s", m->cfg.incoming) : 0;
    if (!snap)
        return board_boot(m, e);
    if (board_load(m, &snap->records, e) < 0)
        return err_prefix(e, "--restore %s", m->cfg.restore);
    if (snap->records.off != snap->records.len)
        return err_set(e, 0, "--restore %s: records past the machine's",
                       m->cfg.restore);
    return 0;
}

/* Where the config comes from when it is not the command line: a
 * snapshot's state file, or a migration's source. */
static int outside_config(const struct vm_config *cfg, struct snapshot *snap,
                          struct incoming *in, struct vm_config *c,
                          struct err *e)
{
    char what[PATH_MAX + 16];
    if (cfg->restore) {
        if (snapshot_open(cfg->restore, snap, e) < 0)
            return -1;
        snprintf(what, sizeof what, "--restore %s", cfg->restore);
        return given_config(cfg, &snap->cfg, what, "the snapshot", c, e);
    }
    snprintf(what, sizeof what, "--incoming %s", cfg->incoming);
    if (incoming_accept(in, cfg->incoming, e) < 0)
        return err_prefix(e, "%s", what);
    return given_config(cfg, &in->cfg, what, "the source's machine", c, e);
}

int machine_run(const struct vm_config *cfg, struct err *e)
{
    struct snapshot snap = {0};
    struct incoming in = {.fd = -1};
    struct vm_config c = *cfg;
    bool outside = cfg->restore || cfg->incoming;
    struct machine *m = NULL;
    int status = -1;
    if (outside && outside_config(cfg, &snap, &in, &c, e) < 0)
        goto closed;
    m = calloc(1, sizeof *m);
    if (!m) {
        err_set(e, ENOMEM, "cannot allocate the machine");
        goto closed;
    }
    m->cfg = c;
    m->ram_fd = -1;
    m->paravirt = c.bios == 0;
    m->clock.origin_ns = now_ns();
    atomic_store(&m->exit_status, -1);
    m->power = machine_power(m);
    pthread_mutex_init(&m->sbi_in_lock, NULL);
    pthread_mutex_init(&m->pause_lock, NULL);
    pthread_cond_init(&m->pause_cond, NULL);

    if (build(m, cfg->restore ? &snap : NULL, cfg->incoming ? &in : NULL,
              e) < 0)
        goto out;
    if (cfg->dump_dtb) {
        status = 0;
        goto out;
    }
    m->term = open_console(m, e);
    if (!m->term || iothread_start(m->io, e) < 0)
        goto out;
    if (cfg->api && !(m->api = api_start(m, cfg->api, e)))
        goto out;
    if (cfg->incoming && incoming_running(&in, e) < 0)
        goto out;
    stop_signal = 0;
    catch_signals(true);
    if (cfg->incoming)
        virtio_devices_announce(m);
    if (run_harts(m, e) == 0)
        status = atomic_load(&m->exit_status);
    catch_signals(false);
out:
    destroy(m);     /* restores the terminal before any message */
closed:
    if (status < 0)
        incoming_refuse(&in, e);
    snapshot_close(&snap);
    incoming_close(&in);
    if (stop_signal)
        fprintf(stderr, "cella: stopped by signal %d\n", (int)stop_signal);
    return status;
}
