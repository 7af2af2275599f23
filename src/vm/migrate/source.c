/* The source's side of a live migration (source.h). */
#include "vm/migrate/source.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/rec.h"
#include "base/util.h"
#include "vm/machine.h"
#include "vm/migrate/pages.h"
#include "vm/migrate/stream.h"
#include "vm/migrate/uri.h"
#include "vm/riscv/virtio_slots.h"
#include "vm/rv/engine.h"
#include "vm/snapshot/config_rec.h"
#include "vm/snapshot/memory.h"

#define MS 1000000ull
/* Auto-converge: after this many rounds in a row that dirtied more than
 * half of what the round before could send, the harts lose another step
 * of their time. */
#define SLOW_ROUNDS 2
#define THROTTLE_FIRST 20
#define THROTTLE_STEP 10
#define THROTTLE_MAX 99
/* How long the target may take to answer SYNC, END or GO. */
#define ANSWER_S 30
/* The longest nap of the pacing, between looks at a cancel. */
#define PACE_NAP_NS 10000000ull

struct migration {
    struct machine *m;
    pthread_t thread;
    bool joined;
    char uri[512];
    unsigned downtime_ms;
    uint64_t max_bandwidth;     /* bytes/s while the guest runs; 0: none */
    uint64_t paced_from;        /* when the pacing began, ns; 0: no pacing
                                 * (not asked, or the last round) */
    uint64_t paced_bytes;       /* sent since */

    pthread_mutex_t lock;   /* guards what follows */
    pthread_cond_t ended;
    struct migration_progress p;
    int fd;                 /* the connection, -1 when none */
    bool cancel;            /* asked to stop */
    bool handing_over;      /* past the point a cancel can undo */
    bool released;          /* the disks were let go and not taken back:
                             * the target may hold them */

    /* The migration thread's own. */
    uint64_t *taken;        /* the dirty pages of this round */
    struct page_batch batch;
    unsigned slow_rounds;
};

const char *migration_status_name(enum migration_status s)
{
    static const char *const names[] = {
        [MIGRATION_NONE] = "none", [MIGRATION_ACTIVE] = "active",
        [MIGRATION_COMPLETED] = "completed", [MIGRATION_FAILED] = "failed",
        [MIGRATION_CANCELLED] = "cancelled",
    };
    return names[s];
}

/* Whether the target has spoken within timeout_ms: it speaks only to
 * refuse (its FAILED line) or by ending the connection; -1 with e saying
 * which, or 0 (e untouched) when it has not. */
static int target_spoke(struct migration *g, int timeout_ms, struct err *e)
{
    struct pollfd p = {.fd = g->fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) <= 0)
        return 0;
    struct frame f = {0};
    struct err fe = {0};
    if (frame_recv(g->fd, &f, &fe) < 0)
        err_set(e, fe.errnum, "the target: %s", fe.msg);
    else if (f.type == FRAME_FAILED)
        err_set(e, 0, "the target refused: %.*s",
                (int)(f.len < 200 ? f.len : 200), (char *)f.buf);
    else
        err_set(e, 0, "the target answered a frame of type %u", f.type);
    free(f.buf);
    return -1;
}

static bool cancelled(struct migration *g)
{
    pthread_mutex_lock(&g->lock);
    bool c = g->cancel;
    pthread_mutex_unlock(&g->lock);
    return c;
}

/* Held to max_bandwidth: sleep until the bytes sent since pacing began
 * are no more than it allows, in naps that end at a cancel. */
static void pace(struct migration *g, size_t sent)
{
    if (!g->paced_from)
        return;
    g->paced_bytes += sent;
    uint64_t due = g->paced_from +
                   (uint64_t)((double)g->paced_bytes * 1e9 /
                              (double)g->max_bandwidth);
    for (uint64_t now = now_ns(); due > now && !cancelled(g);
         now = now_ns()) {
        uint64_t nap = due - now < PACE_NAP_NS ? due - now : PACE_NAP_NS;
        nanosleep(&(struct timespec){0, (long)nap}, NULL);
    }
}

static int send_frame(struct migration *g, uint32_t type, const void *p,
                      size_t len, struct err *e)
{
    if (frame_send(g->fd, type, p, len, e) < 0) {
        target_spoke(g, 1000, e);       /* why, if it said */
        return -1;
    }
    pace(g, len + 12);
    pthread_mutex_lock(&g->lock);
    g->p.bytes_sent += len + 12;
    pthread_mutex_unlock(&g->lock);
    return 0;
}

static int flush_batch(struct migration *g, struct err *e)
{
    struct page_batch *b = &g->batch;
    if (!b->count)
        return 0;
    if (send_frame(g, FRAME_PAGES, b->buf, b->len, e) < 0 ||
        target_spoke(g, 0, e) < 0)
        return -1;
    pthread_mutex_lock(&g->lock);
    g->p.pages_sent += b->count;
    g->p.zero_pages = b->zeros;
    pthread_mutex_unlock(&g->lock);
    batch_clear(b);
    return 0;
}

static int send_page(struct migration *g, uint64_t index, struct err *e)
{
    if (batch_add(&g->batch, index, g->m->bus.ram + index * PAGE_SIZE))
        return flush_batch(g, e);
    return 0;
}

/* Round 1: every page that may hold data. RAM's memfd says which ranges
 * were ever written (its holes read as zeros on the target too); where it
 * cannot say, all the rest is sent. */
static int send_ram(struct migration *g, struct err *e)
{
    struct machine *m = g->m;
    uint64_t size = m->bus.ram_size, start = 0, end = size;
    for (uint64_t off = 0; off < size; off = end) {
        int r = m->ram_fd < 0 ? 1 : memory_data_range(m->ram_fd, off, size,
                                                      &start, &end);
        if (r == 0)
            break;
        if (r < 0) {
            start = off;
            end = size;
        }
        for (uint64_t i = start / PAGE_SIZE; i < end / PAGE_SIZE; i++)
            if (send_page(g, i, e) < 0)
                return -1;
    }
    return flush_batch(g, e);
}

/* Take the dirty log into g->taken and clear it, the harts made to mark
 * their next write to every page again; the machine is paused around it
 * unless it is already (then paused is true). Returns the pages taken,
 * or -1 when the machine has stopped. */
static int64_t take_dirty(struct migration *g, bool paused)
{
    struct machine *m = g->m;
    if (!paused && machine_pause(m) != MACHINE_PAUSED)
        return -1;
    for (unsigned i = 0; i < m->nharts; i++)
        m->engine->forget_writes(m->harts[i]);
    int64_t count = 0;
    for (size_t w = 0; w < bus_dirty_words(&m->bus); w++) {
        g->taken[w] = atomic_exchange(&m->bus.dirty[w], 0);
        count += __builtin_popcountll(g->taken[w]);
    }
    if (!paused)
        machine_resume(m);
    return count;
}

static int send_taken(struct migration *g, struct err *e)
{
    for (size_t w = 0; w < bus_dirty_words(&g->m->bus); w++)
        for (uint64_t bits = g->taken[w]; bits; bits &= bits - 1)
            if (send_page(g, w * 64 + (unsigned)__builtin_ctzll(bits), e) < 0)
                return -1;
    return flush_batch(g, e);
}

static void set_throttle(struct migration *g, unsigned pct)
{
    atomic_store(&g->m->throttle_pct, pct);
    pthread_mutex_lock(&g->lock);
    g->p.throttle_pct = pct;
    pthread_mutex_unlock(&g->lock);
}

/* After a round that sent sent bytes in ns and found dirty pages: the
 * figures, and whether the rest fits the downtime. A round that dirtied
 * more than half of what it could send counts towards a throttle step. */
static bool converged(struct migration *g, uint64_t sent, uint64_t ns,
                      uint64_t dirty)
{
    uint64_t bw = ns ? (uint64_t)((double)sent * 1e9 / (double)ns) : 0;
    if (bw < (1u << 20))
        bw = 1u << 20;      /* a floor, for a round too short to time */
    uint64_t expect_ms = dirty * (PAGE_SIZE + 8) * 1000 / bw;
    pthread_mutex_lock(&g->lock);
    g->p.bandwidth_bytes_per_s = bw;
    g->p.dirty_pages_per_s =
        ns ? (uint64_t)((double)dirty * 1e9 / (double)ns) : 0;
    g->p.expected_downtime_ms = expect_ms;
    unsigned throttle = g->p.throttle_pct;
    pthread_mutex_unlock(&g->lock);
    if (expect_ms <= g->downtime_ms)
        return true;
    if (dirty * PAGE_SIZE <= sent / 2)
        g->slow_rounds = 0;
    else if (++g->slow_rounds >= SLOW_ROUNDS) {
        g->slow_rounds = 0;
        throttle = !throttle ? THROTTLE_FIRST : throttle + THROTTLE_STEP;
        set_throttle(g, throttle > THROTTLE_MAX ? THROTTLE_MAX : throttle);
    }
    return false;
}

/* The target's answer: 0 when it is want, -1 with e filled (FAILED gives
 * the target's own line). */
static int expect(struct migration *g, struct frame *f, uint32_t want,
                  struct err *e)
{
    if (frame_recv(g->fd, f, e) < 0)
        return err_prefix(e, "the target");
    if (f->type == FRAME_FAILED)
        return err_set(e, 0, "the target refused: %.*s",
                       (int)(f->len < 200 ? f->len : 200), (char *)f->buf);
    if (f->type != want)
        return err_set(e, 0, "the target answered a frame of type %u",
                       f->type);
    return 0;
}

/* SYNC, and the target's SYNCED once it has written every page sent. */
static int sync_target(struct migration *g, struct err *e)
{
    struct frame f = {0};
    int r = send_frame(g, FRAME_SYNC, NULL, 0, e);
    if (r == 0)
        r = expect(g, &f, FRAME_SYNCED, e);
    free(f.buf);
    return r;
}

/* The pre-copy rounds; returns with the machine paused and everything
 * but the state sent, or -1 with the machine running. */
static int precopy(struct migration *g, struct err *e)
{
    struct machine *m = g->m;
    if (take_dirty(g, false) < 0)
        return err_set(e, 0, "the machine stopped");
    uint64_t t = now_ns(), before = 0;
    g->paced_from = g->max_bandwidth ? t : 0;
    g->paced_bytes = 0;
    pthread_mutex_lock(&g->lock);
    g->p.round = 1;
    pthread_mutex_unlock(&g->lock);
    if (send_ram(g, e) < 0)
        return -1;
    for (;;) {
        if (cancelled(g))
            return err_set(e, ECANCELED, "cancelled");
        pthread_mutex_lock(&g->lock);
        uint64_t sent = g->p.bytes_sent - before;
        before = g->p.bytes_sent;
        g->p.round++;
        pthread_mutex_unlock(&g->lock);
        uint64_t now = now_ns();
        int64_t dirty = take_dirty(g, false);
        if (dirty < 0)
            return err_set(e, 0, "the machine stopped");
        bool done = converged(g, sent, now - t, (uint64_t)dirty);
        t = now;
        if (done)
            break;
        if (send_taken(g, e) < 0)
            return -1;
    }
    /* What is left while the guest still runs, and the target caught up
     * with it; then the last round, the machine paused: the pages
     * dirtied since, as fast as the link goes. */
    if (send_taken(g, e) < 0 || sync_target(g, e) < 0)
        return -1;
    g->paced_from = 0;
    if (machine_pause(m) != MACHINE_PAUSED)
        return err_set(e, 0, "the machine stopped");
    take_dirty(g, true);
    if (send_taken(g, e) < 0) {
        machine_resume(m);
        return -1;
    }
    return 0;
}

/* With the machine paused: its state, then the hand-over. 0 once the
 * target runs; -1 with e filled, and *resume when the machine may go on
 * here (the target cannot be running). */
static int hand_over(struct migration *g, bool *resume, struct err *e)
{
    struct machine *m = g->m;
    *resume = true;
    struct rec_out o = {0};
    board_save(m, &o);
    int r = rec_out_check(&o, e);
    if (r == 0)
        r = send_frame(g, FRAME_STATE, o.buf, o.len, e);
    rec_out_free(&o);
    struct frame f = {0};
    if (r == 0)
        r = send_frame(g, FRAME_END, NULL, 0, e);
    if (r == 0)
        r = expect(g, &f, FRAME_READY, e);
    if (r == 0) {
        pthread_mutex_lock(&g->lock);
        g->handing_over = g->released = true;
        pthread_mutex_unlock(&g->lock);
        virtio_devices_claim(m, false, e);
        r = send_frame(g, FRAME_GO, NULL, 0, e);
        if (r == 0 && (r = expect(g, &f, FRAME_RUNNING, e)) < 0 &&
            f.type != FRAME_FAILED) {
            /* Nobody knows whether the target runs now: the machine
             * stays paused here, for whoever knows to resume it. */
            *resume = false;
            err_prefix(e, "after the hand-over (the machine stays paused: "
                       "resume it only if the target did not start)");
        }
        struct err ce = {0};
        if (r < 0 && *resume && migration_reclaim(m, &ce) < 0) {
            *resume = false;
            err_set(e, ce.errnum, "%s; and the disks cannot be taken back: "
                    "%s", e->msg, ce.msg);
        }
    }
    free(f.buf);
    return r;
}

static int migrate(struct migration *g, struct err *e)
{
    struct machine *m = g->m;
    int fd = migrate_connect(g->uri, e);
    if (fd < 0)
        return -1;
    /* A target gone silent (a partition, a stopped process) fails the
     * wait for its answers instead of holding it for good. */
    struct timeval tv = {.tv_sec = ANSWER_S};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    pthread_mutex_lock(&g->lock);
    g->fd = fd;
    bool stop = g->cancel;
    pthread_mutex_unlock(&g->lock);
    if (stop)
        return err_set(e, ECANCELED, "cancelled");
    struct rec_out o = {0};
    config_rec_save(m, &o);
    int r = rec_out_check(&o, e);
    if (r == 0)
        r = stream_send_header(fd, e);
    if (r == 0)
        r = send_frame(g, FRAME_CONFIG, o.buf, o.len, e);
    rec_out_free(&o);
    if (r < 0 || precopy(g, e) < 0)
        return -1;
    uint64_t paused = now_ns();
    bool resume;
    if (hand_over(g, &resume, e) < 0) {
        if (resume)
            machine_resume(m);
        return -1;
    }
    pthread_mutex_lock(&g->lock);
    g->p.downtime_us = (now_ns() - paused) / 1000;
    pthread_mutex_unlock(&g->lock);
    return 0;
}

static void *migration_thread(void *arg)
{
    struct migration *g = arg;
    uint64_t start = now_ns();
    struct err e = {0};
    int r = migrate(g, &e);
    atomic_store(&g->m->throttle_pct, 0);   /* the progress keeps the last */
    pthread_mutex_lock(&g->lock);
    if (g->fd >= 0)
        close(g->fd);
    g->fd = -1;
    g->p.total_ms = (now_ns() - start) / MS;
    if (r == 0) {
        g->p.status = MIGRATION_COMPLETED;
    } else {
        g->p.status = g->cancel ? MIGRATION_CANCELLED : MIGRATION_FAILED;
        if (g->cancel)
            snprintf(g->p.error, sizeof g->p.error, "cancelled");
        else
            err_format(&e, g->p.error, sizeof g->p.error);
    }
    pthread_cond_broadcast(&g->ended);
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

static void join(struct migration *g)
{
    if (!g->joined) {
        pthread_join(g->thread, NULL);
        g->joined = true;
    }
    free(g->taken);
    g->taken = NULL;
}

int migration_start(struct machine *m, const char *uri, unsigned downtime_ms,
                    uint64_t max_bandwidth, struct err *e)
{
    if (migration_active(m))
        return err_set(e, EBUSY, "a migration is in progress");
    if (machine_state(m) != MACHINE_RUNNING)
        return err_set(e, EBUSY, "the machine is not running");
    if (m->tohost)
        return err_set(e, EBUSY, "a test program's machine (HTIF) does not "
                       "migrate");
    if (migrate_uri_check(uri, e) < 0)
        return -1;
    if (strlen(uri) >= sizeof m->migration->uri)
        return err_set(e, ENAMETOOLONG, "%s", uri);
    struct migration *g = m->migration;
    if (!g) {
        g = calloc(1, sizeof *g);
        if (!g)
            return err_set(e, ENOMEM, "cannot start a migration");
        pthread_mutex_init(&g->lock, NULL);
        pthread_cond_init(&g->ended, NULL);
        g->m = m;
        g->joined = true;
        m->migration = g;
    }
    join(g);
    g->taken = calloc(bus_dirty_words(&m->bus), sizeof *g->taken);
    if (!g->taken)
        return err_set(e, ENOMEM, "cannot start a migration");
    snprintf(g->uri, sizeof g->uri, "%s", uri);
    g->downtime_ms = downtime_ms;
    g->max_bandwidth = max_bandwidth;
    g->slow_rounds = 0;
    batch_clear(&g->batch);
    g->batch.zeros = 0;
    pthread_mutex_lock(&g->lock);
    g->p = (struct migration_progress){.status = MIGRATION_ACTIVE};
    g->fd = -1;
    g->cancel = g->handing_over = g->released = false;
    pthread_mutex_unlock(&g->lock);
    int r = pthread_create(&g->thread, NULL, migration_thread, g);
    if (r) {
        pthread_mutex_lock(&g->lock);
        g->p.status = MIGRATION_NONE;
        pthread_mutex_unlock(&g->lock);
        return err_set(e, r, "cannot start a migration");
    }
    g->joined = false;
    return 0;
}

void migration_wait(struct machine *m, struct migration_progress *p)
{
    struct migration *g = m->migration;
    pthread_mutex_lock(&g->lock);
    while (g->p.status == MIGRATION_ACTIVE)
        pthread_cond_wait(&g->ended, &g->lock);
    *p = g->p;
    pthread_mutex_unlock(&g->lock);
}

void migration_progress(struct machine *m, struct migration_progress *p)
{
    struct migration *g = m->migration;
    if (!g) {
        *p = (struct migration_progress){.status = MIGRATION_NONE};
        return;
    }
    pthread_mutex_lock(&g->lock);
    *p = g->p;
    pthread_mutex_unlock(&g->lock);
}

bool migration_active(struct machine *m)
{
    struct migration_progress p;
    migration_progress(m, &p);
    return p.status == MIGRATION_ACTIVE;
}

bool migration_moved(struct machine *m)
{
    struct migration_progress p;
    migration_progress(m, &p);
    return p.status == MIGRATION_COMPLETED;
}

int migration_reclaim(struct machine *m, struct err *e)
{
    struct migration *g = m->migration;
    if (!g)
        return 0;
    pthread_mutex_lock(&g->lock);
    int r = 0;
    if (g->released && (r = virtio_devices_claim(m, true, e)) == 0)
        g->released = false;
    pthread_mutex_unlock(&g->lock);
    return r;
}

bool migration_cancel(struct machine *m)
{
    struct migration *g = m->migration;
    if (!g)
        return false;
    pthread_mutex_lock(&g->lock);
    bool can = g->p.status == MIGRATION_ACTIVE && !g->handing_over;
    if (can) {
        g->cancel = true;
        if (g->fd >= 0)
            shutdown(g->fd, SHUT_RDWR);
    }
    pthread_mutex_unlock(&g->lock);
    return can;
}

/* A cancel, even past the hand-over's start: the machine is ending, and
 * whatever the target does, it does not run here again. */
void migration_stop(struct machine *m)
{
    struct migration *g = m->migration;
    if (!g)
        return;
    pthread_mutex_lock(&g->lock);
    g->cancel = true;
    if (g->fd >= 0)
        shutdown(g->fd, SHUT_RDWR);
    pthread_mutex_unlock(&g->lock);
    join(g);
}

void migration_free(struct machine *m)
{
    struct migration *g = m->migration;
    if (!g)
        return;
    join(g);        /* one started after migration_stop, as the API ended */
    pthread_cond_destroy(&g->ended);
    pthread_mutex_destroy(&g->lock);
    free(g);
    m->migration = NULL;
}
