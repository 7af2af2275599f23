/* Unit tests of a NIC's self-announce after a migration: the RARP frame
 * byte by byte, and a virtio-net device on a running I/O thread, with a
 * back end of the test's own that keeps what it is sent, announcing its
 * MAC: NET_ANNOUNCE_FRAMES frames, none early, then no more; announcing
 * again sends them again; a device made without an I/O thread announces
 * nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/util.h"
#include "vm/backend/net_announce.h"
#include "vm/backend/net_impl.h"
#include "vm/bus.h"
#include "vm/iothread.h"
#include "vm/virtio/mmio.h"
#include "vm/virtio/net.h"

#define MS 1000000ull
#define MAX_SENT 16
#define WAIT_NS (5000 * MS)     /* for the frames, under ASan too */

static const uint8_t MAC[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

/* The frame for MAC, written out by hand. */
static const uint8_t RARP[NET_RARP_LEN] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff,     /* to: broadcast */
    0x02, 0x11, 0x22, 0x33, 0x44, 0x55,     /* from: MAC */
    0x80, 0x35,                             /* ethertype: RARP */
    0x00, 0x01,                             /* hardware: Ethernet */
    0x08, 0x00,                             /* protocol: IPv4 */
    6, 4,                                   /* their address lengths */
    0x00, 0x03,                             /* request reverse */
    0x02, 0x11, 0x22, 0x33, 0x44, 0x55,     /* sender: MAC */
    0, 0, 0, 0,                             /*   at 0.0.0.0 */
    0x02, 0x11, 0x22, 0x33, 0x44, 0x55,     /* target: MAC */
    0, 0, 0, 0,                             /*   at 0.0.0.0 */
    /* then zeros up to 60 bytes */
};

/* The back end: every frame it is sent, and when (I/O thread). */
struct fake_net {
    struct net_backend nb;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned nsent;
    uint8_t sent[MAX_SENT][NET_RARP_LEN];
    size_t sent_len[MAX_SENT];
    uint64_t sent_ns[MAX_SENT];
};

static struct fake_net *fake;

static void fake_send(struct net_backend *nb, const struct iovec *iov,
                      int iovcnt)
{
    struct fake_net *f = (struct fake_net *)nb;
    pthread_mutex_lock(&f->lock);
    if (f->nsent < MAX_SENT) {
        size_t len = 0;
        for (int i = 0; i < iovcnt; i++) {
            size_t n = iov[i].iov_len;
            if (len + n > NET_RARP_LEN)
                n = NET_RARP_LEN - len;
            memcpy(f->sent[f->nsent] + len, iov[i].iov_base, n);
            len += iov[i].iov_len;
        }
        f->sent_len[f->nsent] = len;
        f->sent_ns[f->nsent++] = now_ns();
        pthread_cond_broadcast(&f->cond);
    }
    pthread_mutex_unlock(&f->lock);
}

static void fake_free(struct net_backend *nb)
{
    struct fake_net *f = (struct fake_net *)nb;
    pthread_cond_destroy(&f->cond);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

static const struct net_backend_ops fake_ops = {
    .send = fake_send,
    .free = fake_free,
};

static struct net_backend *fake_new(const struct net_opts *o,
                                    struct iothread *io, net_rx_fn *rx,
                                    void *opaque, struct err *e)
{
    (void)io;
    (void)rx;
    (void)opaque;
    (void)e;
    fake = calloc(1, sizeof *fake);
    assert_non_null(fake);
    fake->nb = (struct net_backend){ .ops = &fake_ops, .mtu = 1500,
                                     .mode = o->mode };
    pthread_mutex_init(&fake->lock, NULL);
    pthread_cond_init(&fake->cond, NULL);
    return &fake->nb;
}

static uint8_t ram[4096];
static const struct bus bus = { .ram = ram, .ram_base = 0x80000000ull,
                                .ram_size = sizeof ram };

static struct virtio_dev *nic(struct iothread *io)
{
    struct err e = {0};
    struct virtio_dev *d = virtio_net_new(&bus, io,
                                          "user,mac=02:11:22:33:44:55", 0,
                                          fake_new, &e);
    if (!d)
        fail_msg("virtio_net_new: %s", e.msg);
    return d;
}

/* Wait until the back end has been sent n frames, or WAIT_NS went by;
 * returns how many it has. */
static unsigned wait_sent(unsigned n, uint64_t wait_ns)
{
    uint64_t until = now_ns() + wait_ns;
    pthread_mutex_lock(&fake->lock);
    while (fake->nsent < n && now_ns() < until) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 10 * MS;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&fake->cond, &fake->lock, &ts);
    }
    unsigned got = fake->nsent;
    pthread_mutex_unlock(&fake->lock);
    return got;
}

static void test_rarp_frame(void **state)
{
    (void)state;
    uint8_t frame[NET_RARP_LEN];
    memset(frame, 0xee, sizeof frame);
    net_rarp_frame(frame, MAC);
    assert_memory_equal(frame, RARP, NET_RARP_LEN);
}

/* The frames from the first-th on are an announce begun at start_ns: the
 * RARP frame each time, none before its time (0, 50, 150, 300, 500 ms). */
static void expect_announce(unsigned first, uint64_t start_ns)
{
    static const uint64_t at_ms[NET_ANNOUNCE_FRAMES] = { 0, 50, 150, 300,
                                                         500 };
    pthread_mutex_lock(&fake->lock);
    for (unsigned k = 0; k < NET_ANNOUNCE_FRAMES; k++) {
        unsigned i = first + k;
        assert_int_equal(fake->sent_len[i], NET_RARP_LEN);
        assert_memory_equal(fake->sent[i], RARP, NET_RARP_LEN);
        if (fake->sent_ns[i] < start_ns + at_ms[k] * MS)
            fail_msg("frame %u went at %llu ms, before %llu ms", k,
                     (unsigned long long)((fake->sent_ns[i] - start_ns) / MS),
                     (unsigned long long)at_ms[k]);
    }
    pthread_mutex_unlock(&fake->lock);
}

static void test_nic_announces_its_mac(void **state)
{
    (void)state;
    struct err e = {0};
    struct iothread *io = iothread_new(&e);
    assert_non_null(io);
    struct virtio_dev *d = nic(io);
    assert_non_null(d->ops->announce);
    assert_int_equal(iothread_start(io, &e), 0);
    assert_int_equal(wait_sent(1, 100 * MS), 0);    /* not before it is told */

    uint64_t start = now_ns();
    d->ops->announce(d);
    assert_true(now_ns() - start < 50 * MS);        /* returns at once */
    assert_int_equal(wait_sent(NET_ANNOUNCE_FRAMES, WAIT_NS),
                     NET_ANNOUNCE_FRAMES);
    expect_announce(0, start);
    /* Then it stops. */
    assert_int_equal(wait_sent(NET_ANNOUNCE_FRAMES + 1, 300 * MS),
                     NET_ANNOUNCE_FRAMES);

    /* Told again, it announces again. */
    start = now_ns();
    d->ops->announce(d);
    assert_int_equal(wait_sent(2 * NET_ANNOUNCE_FRAMES, WAIT_NS),
                     2 * NET_ANNOUNCE_FRAMES);
    expect_announce(NET_ANNOUNCE_FRAMES, start);

    iothread_free(io);
    d->ops->destroy(d);
}

/* Told again halfway, it starts over: the frames already sent, then a
 * whole announce from the second start, and no more. */
static void test_announce_again_starts_over(void **state)
{
    (void)state;
    struct err e = {0};
    struct iothread *io = iothread_new(&e);
    assert_non_null(io);
    struct virtio_dev *d = nic(io);
    assert_int_equal(iothread_start(io, &e), 0);
    d->ops->announce(d);
    /* Between the second frame (50 ms) and the third (150 ms). */
    assert_int_equal(wait_sent(2, WAIT_NS), 2);
    pthread_mutex_lock(&fake->lock);
    unsigned before = fake->nsent;
    uint64_t start = now_ns();
    d->ops->announce(d);
    pthread_mutex_unlock(&fake->lock);
    assert_true(before < NET_ANNOUNCE_FRAMES);
    unsigned want = before + NET_ANNOUNCE_FRAMES;
    assert_int_equal(wait_sent(want, WAIT_NS), want);
    expect_announce(before, start);
    assert_int_equal(wait_sent(want + 1, 300 * MS), want);
    iothread_free(io);
    d->ops->destroy(d);
}

static void test_nic_without_io_thread_announces_nothing(void **state)
{
    (void)state;
    struct virtio_dev *d = nic(NULL);
    d->ops->announce(d);
    assert_int_equal(wait_sent(1, 100 * MS), 0);
    d->ops->destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rarp_frame),
        cmocka_unit_test(test_nic_announces_its_mac),
        cmocka_unit_test(test_announce_again_starts_over),
        cmocka_unit_test(test_nic_without_io_thread_announces_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
