/* The SBI answered by the monitor itself when the guest boots without
 * firmware: BASE, TIME, IPI, RFENCE, HSM, SRST, DBCN and the legacy calls.
 * This is the guest's hypercall interface. */
#include "vm/riscv/sbi.h"

#include <sched.h>

#include "vm/machine.h"
#include "vm/rv/cpu.h"

enum {
    SBI_SUCCESS = 0, SBI_ERR_FAILED = -1, SBI_ERR_NOT_SUPPORTED = -2,
    SBI_ERR_INVALID_PARAM = -3, SBI_ERR_INVALID_ADDRESS = -5,
    SBI_ERR_ALREADY_AVAILABLE = -6,
};

enum {
    EXT_LEGACY_SET_TIMER = 0x00, EXT_LEGACY_PUTCHAR = 0x01,
    EXT_LEGACY_GETCHAR = 0x02, EXT_LEGACY_CLEAR_IPI = 0x03,
    EXT_LEGACY_SEND_IPI = 0x04, EXT_LEGACY_FENCE_I = 0x05,
    EXT_LEGACY_SFENCE_VMA = 0x06, EXT_LEGACY_SFENCE_VMA_ASID = 0x07,
    EXT_LEGACY_SHUTDOWN = 0x08,
    EXT_BASE = 0x10, EXT_TIME = 0x54494d45, EXT_IPI = 0x735049,
    EXT_RFENCE = 0x52464e43, EXT_HSM = 0x48534d, EXT_SRST = 0x53525354,
    EXT_DBCN = 0x4442434e,
};

#define SBI_SPEC_VERSION (2u << 24)     /* 2.0 */
#define SBI_IMPL_ID 0x43454c4cu         /* "CELL": not in the SBI registry */
#define SBI_IMPL_VERSION 1

struct sbi_ret {
    int64_t error;
    uint64_t value;
};

static bool ext_supported(uint64_t eid)
{
    switch (eid) {
    case EXT_LEGACY_SET_TIMER: case EXT_LEGACY_PUTCHAR:
    case EXT_LEGACY_GETCHAR: case EXT_LEGACY_CLEAR_IPI:
    case EXT_LEGACY_SEND_IPI: case EXT_LEGACY_FENCE_I:
    case EXT_LEGACY_SFENCE_VMA: case EXT_LEGACY_SFENCE_VMA_ASID:
    case EXT_LEGACY_SHUTDOWN:
    case EXT_BASE: case EXT_TIME: case EXT_IPI: case EXT_RFENCE:
    case EXT_HSM: case EXT_SRST: case EXT_DBCN:
        return true;
    }
    return false;
}

/* Resolve an SBI hart mask into a bitmap of harts (bit i = hart i).
 * Returns false when it names a hart that does not exist. */
static bool hart_set(const struct machine *m, uint64_t mask, uint64_t base,
                     uint64_t *out)
{
    uint64_t all = m->nharts >= 64 ? UINT64_MAX : (1ull << m->nharts) - 1;
    if (base == UINT64_MAX) {
        *out = all;
        return true;
    }
    if (base >= m->nharts)
        return mask == 0 ? (*out = 0, true) : false;
    uint64_t set = mask << base;
    if ((set >> base) != mask || (set & ~all))
        return false;
    *out = set;
    return true;
}

/* The SBI timer and Sstc share stimecmp: either way, STIP follows it. */
static void set_timer(struct hart *h, uint64_t when)
{
    atomic_store(&h->stimecmp, when);
    hart_update_timer(h);
}

static void send_ipis(struct machine *m, uint64_t set)
{
    for (unsigned i = 0; i < m->nharts; i++)
        if (set & (1ull << i))
            hart_set_mip(m->harts[i], MIP_SSIP, true);
}

/* Flush the TLBs and decoded-instruction caches of every hart in set
 * (serves remote fence.i and sfence.vma alike) and wait until the running
 * ones have done it. Serves this hart's own requests while waiting so two
 * harts fencing each other cannot deadlock. A pause ends the wait: a
 * parked hart serves its request before it runs again. */
static void remote_sfence(struct machine *m, struct hart *self, uint64_t set)
{
    uint64_t want[VM_MAX_CPUS] = {0};
    for (unsigned i = 0; i < m->nharts; i++) {
        if (!(set & (1ull << i)))
            continue;
        struct hart *t = m->harts[i];
        if (t == self) {
            tlb_flush(self);
            icache_flush(self);
            continue;
        }
        want[i] = atomic_fetch_add(&t->flush_req, 1) + 1;
        hart_kick(t);
    }
    for (unsigned i = 0; i < m->nharts; i++) {
        struct hart *t = m->harts[i];
        while (want[i] && atomic_load(&t->flush_done) < want[i] &&
               atomic_load(&t->hsm_state) == HSM_STARTED &&
               atomic_load(&m->exit_status) < 0 &&
               !atomic_load(&m->pausing)) {
            hart_serve_flushes(self);
            sched_yield();
        }
    }
}

static struct sbi_ret hsm_call(struct machine *m, struct hart *h,
                               uint64_t fid, uint64_t *a)
{
    switch (fid) {
    case 0: {   /* hart_start(hartid, start_addr, opaque) */
        if (a[0] >= m->nharts)
            return (struct sbi_ret){SBI_ERR_INVALID_PARAM, 0};
        /* No instruction starts at an odd address: fetching from one
         * would read past the end of its page. */
        if (a[1] & 1)
            return (struct sbi_ret){SBI_ERR_INVALID_ADDRESS, 0};
        struct hart *t = m->harts[a[0]];
        t->hsm_start_addr = a[1];
        t->hsm_opaque = a[2];
        int expect = HSM_STOPPED;
        if (!atomic_compare_exchange_strong(&t->hsm_state, &expect,
                                            HSM_START_PENDING))
            return (struct sbi_ret){SBI_ERR_ALREADY_AVAILABLE, 0};
        hart_kick(t);
        return (struct sbi_ret){SBI_SUCCESS, 0};
    }
    case 1:     /* hart_stop */
        atomic_store(&h->hsm_state, HSM_STOPPED);
        return (struct sbi_ret){SBI_SUCCESS, 0};
    case 2:     /* hart_get_status(hartid) */
        if (a[0] >= m->nharts)
            return (struct sbi_ret){SBI_ERR_INVALID_PARAM, 0};
        return (struct sbi_ret){SBI_SUCCESS,
                                (uint64_t)atomic_load(&m->harts[a[0]]->hsm_state)};
    case 3:     /* hart_suspend: only the default retentive type */
        if (a[0] != 0)
            return (struct sbi_ret){SBI_ERR_NOT_SUPPORTED, 0};
        hart_wfi(h);
        return (struct sbi_ret){SBI_SUCCESS, 0};
    }
    return (struct sbi_ret){SBI_ERR_NOT_SUPPORTED, 0};
}

static struct sbi_ret dbcn_call(struct machine *m, uint64_t fid, uint64_t *a)
{
    switch (fid) {
    case 0: {   /* console_write(num_bytes, base_lo, base_hi) */
        const uint8_t *p = bus_ram_ptr(&m->bus, a[1] | (a[2] << 32), a[0]);
        if (!p)
            return (struct sbi_ret){SBI_ERR_INVALID_PARAM, 0};
        machine_console_write(m, p, a[0]);
        return (struct sbi_ret){SBI_SUCCESS, a[0]};
    }
    case 1:     /* console_read: input comes through the UART */
        return (struct sbi_ret){SBI_SUCCESS, 0};
    case 2: {   /* console_write_byte */
        uint8_t c = (uint8_t)a[0];
        machine_console_write(m, &c, 1);
        return (struct sbi_ret){SBI_SUCCESS, 0};
    }
    }
    return (struct sbi_ret){SBI_ERR_NOT_SUPPORTED, 0};
}

/* Legacy calls that take a pointer to a hart mask in guest memory. */
static bool legacy_mask(const struct machine *m, struct hart *h, uint64_t ptr,
                        uint64_t *set)
{
    if (!ptr) {
        *set = m->nharts >= 64 ? UINT64_MAX : (1ull << m->nharts) - 1;
        return true;
    }
    uint64_t mask;
    return mem_load(h, ptr, 8, &mask) && hart_set(m, mask, 0, set);
}

static int64_t legacy_call(struct machine *m, struct hart *h, uint64_t eid,
                           uint64_t *a)
{
    uint64_t set;
    switch (eid) {
    case EXT_LEGACY_SET_TIMER:
        set_timer(h, a[0]);
        return 0;
    case EXT_LEGACY_PUTCHAR: {
        uint8_t c = (uint8_t)a[0];
        machine_console_write(m, &c, 1);
        return 0;
    }
    case EXT_LEGACY_GETCHAR:
        return machine_sbi_getchar(m);
    case EXT_LEGACY_CLEAR_IPI:
        hart_set_mip(h, MIP_SSIP, false);
        return 0;
    case EXT_LEGACY_SEND_IPI:
        if (!legacy_mask(m, h, a[0], &set))
            return SBI_ERR_INVALID_PARAM;
        send_ipis(m, set);
        return 0;
    case EXT_LEGACY_FENCE_I:
    case EXT_LEGACY_SFENCE_VMA:
    case EXT_LEGACY_SFENCE_VMA_ASID:
        if (!legacy_mask(m, h, a[0], &set))
            return SBI_ERR_INVALID_PARAM;
        remote_sfence(m, h, set);
        return 0;
    default:    /* EXT_LEGACY_SHUTDOWN */
        machine_stop(m, EXIT_POWEROFF);
        return 0;
    }
}

void sbi_call(struct machine *m, struct hart *h)
{
    uint64_t *x = h->x;
    uint64_t eid = x[17], fid = x[16];
    uint64_t a[6] = {x[10], x[11], x[12], x[13], x[14], x[15]};
    struct sbi_ret r = {SBI_ERR_NOT_SUPPORTED, 0};
    uint64_t set;

    if (eid <= EXT_LEGACY_SHUTDOWN) {
        x[10] = (uint64_t)legacy_call(m, h, eid, a);
        return;
    }
    switch (eid) {
    case EXT_BASE:
        switch (fid) {
        case 0: r = (struct sbi_ret){SBI_SUCCESS, SBI_SPEC_VERSION}; break;
        case 1: r = (struct sbi_ret){SBI_SUCCESS, SBI_IMPL_ID}; break;
        case 2: r = (struct sbi_ret){SBI_SUCCESS, SBI_IMPL_VERSION}; break;
        case 3: r = (struct sbi_ret){SBI_SUCCESS, ext_supported(a[0])}; break;
        case 4: case 5: case 6: r = (struct sbi_ret){SBI_SUCCESS, 0}; break;
        }
        break;
    case EXT_TIME:
        if (fid == 0) {
            set_timer(h, a[0]);
            r = (struct sbi_ret){SBI_SUCCESS, 0};
        }
        break;
    case EXT_IPI:
        if (fid == 0) {
            if (!hart_set(m, a[0], a[1], &set)) {
                r.error = SBI_ERR_INVALID_PARAM;
                break;
            }
            send_ipis(m, set);
            r = (struct sbi_ret){SBI_SUCCESS, 0};
        }
        break;
    case EXT_RFENCE:
        if (fid > 2)
            break;      /* the hypervisor fences: no H extension */
        if (!hart_set(m, a[0], a[1], &set)) {
            r.error = SBI_ERR_INVALID_PARAM;
            break;
        }
        remote_sfence(m, h, set);
        r = (struct sbi_ret){SBI_SUCCESS, 0};
        break;
    case EXT_HSM:
        r = hsm_call(m, h, fid, a);
        break;
    case EXT_SRST:
        if (fid == 0 && a[0] <= 2) {
            machine_stop(m, a[0] == 0 ? EXIT_POWEROFF : EXIT_REBOOT);
            r = (struct sbi_ret){SBI_SUCCESS, 0};
        } else if (fid == 0) {
            r.error = SBI_ERR_INVALID_PARAM;
        }
        break;
    case EXT_DBCN:
        r = dbcn_call(m, fid, a);
        break;
    }
    x[10] = (uint64_t)r.error;
    x[11] = r.value;
}
