/* The board: QEMU-virt-compatible memory map, the harts, the devices, and
 * the run/stop life cycle of one virtual machine. */
#ifndef CELLA_VM_MACHINE_H
#define CELLA_VM_MACHINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vm/bus.h"
#include "vm/config.h"
#include "vm/devif.h"
#include "vm/riscv/board.h"
#include "vm/vcpu.h"

struct api_server;
struct migration;
struct err;
struct hart;
struct engine_ops;
struct iothread;
struct plic;
struct uart;
struct term;
struct virtio_dev;

struct machine {
    struct vm_config cfg;
    struct bus bus;
    int ram_fd;                 /* the memfd behind RAM (a page in one of
                                 * its holes was never touched), or -1 */
    struct hart *harts[VM_MAX_CPUS];
    struct vcpu vcpus[VM_MAX_CPUS];         /* the thread of each hart */
    unsigned nharts;
    const struct engine_ops *engine;        /* runs the harts */
    bool paravirt;              /* no firmware: the monitor answers SBI */

    struct plic *plic;
    struct uart *uart;

    struct vm_clock clock;      /* mtime */

    /* Guest address of the HTIF tohost word of a test program, or 0. */
    uint64_t tohost;

    /* Set once to the exit status; every hart stops when it is >= 0. */
    atomic_int exit_status;
    struct vm_power power;      /* machine_power(m), for the devices */

    /* Pause (pause.c): while pausing, every vCPU parks between slices. */
    atomic_bool pausing;
    pthread_mutex_t pause_lock; /* guards parked and paused */
    pthread_cond_t pause_cond;  /* either changed, or the machine ends */
    unsigned parked;            /* vCPUs parked */
    bool paused;                /* all parked, the I/O thread too */

    struct api_server *api;     /* --api: the control API, or NULL */
    /* The last migration started, or NULL: set once, by the API's
     * thread, while others may read it. */
    _Atomic(struct migration *) migration;
    /* Percent of their time the vCPUs sleep (a migration's throttle). */
    atomic_uint throttle_pct;

    struct term *term;          /* the console back end */

    struct iothread *io;        /* device back ends run here */
    struct virtio_dev *virtio[BOARD_VIRTIO_SLOTS];
    unsigned nvirtio;
    struct virtio_dev *console; /* the virtio console, one of virtio[] */

    /* Input for the SBI console (legacy getchar), once the guest polls
     * it: a kernel with the SBI hvc driver makes that hvc0. */
    atomic_bool sbi_getchar_used;
    pthread_mutex_t sbi_in_lock;
    uint8_t sbi_in[256];
    unsigned sbi_in_head, sbi_in_count;
};

/* Ask the whole machine to stop with this exit status (first call wins),
 * waking every hart, parked ones too. Safe from any thread. */
void machine_stop(struct machine *m, int status);

enum machine_state { MACHINE_RUNNING, MACHINE_PAUSED, MACHINE_STOPPED };

/* Pause: every hart stops between two slices (at an instruction
 * boundary; one asleep in WFI or stopped by the HSM is woken to park
 * too), the I/O thread finishes its round and parks, and the guest's
 * clock stands still; returns once all are parked, or the machine ended.
 * Resume: all go on, the clock from where it stood. Each returns the
 * state after it (a paused machine's pause, a running one's resume
 * change nothing). From one controlling thread (the API's); never waited
 * on by a vCPU. */
enum machine_state machine_pause(struct machine *m);
enum machine_state machine_resume(struct machine *m);
enum machine_state machine_state(struct machine *m);
/* A vCPU thread, seeing m->pausing: wait here until resume or the end. */
void machine_park(struct machine *m);

/* Guest console output (UART, SBI and virtio consoles all come here). */
void machine_console_write(struct machine *m, const uint8_t *buf, size_t len);
/* The same for output in n segments, written together. */
void machine_console_writev(struct machine *m, const struct iovec *iov,
                            unsigned n);

/* SBI legacy getchar: the next input byte, or -1 when there is none. */
int machine_sbi_getchar(struct machine *m);

/* Raise or lower a PLIC interrupt source (1..PLIC_NUM_SOURCES-1). */
void machine_set_irq(struct machine *m, unsigned irq, bool level);
/* The same source as a device's interrupt line. */
struct irq_line machine_irq_line(struct machine *m, unsigned irq);
/* machine_stop as a device's power switch. */
struct vm_power machine_power(struct machine *m);
/* What m's harts see of it: bus, clock, power, paravirt. */
struct hart_env machine_hart_env(struct machine *m);

/* Build the board from a config, run it to the end, tear it down. Returns
 * the exit status, or -1 with e filled when the machine could not start. */
int machine_run(const struct vm_config *cfg, struct err *e);

#endif
