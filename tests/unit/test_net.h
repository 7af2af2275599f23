/* For unit tests of the network back ends: a back end on a running I/O
 * thread, frames handed to it on that thread (as the NIC will), and the
 * frames it delivers queued for the test, which waits for one with a
 * deadline instead of hanging. Include after cmocka.h. */
#ifndef CELLA_TEST_NET_H
#define CELLA_TEST_NET_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "vm/backend/net.h"
#include "vm/iothread.h"

#define TEST_NET_FRAME 2048
#define TEST_NET_QUEUE 64
#define TEST_NET_WAIT_MS 5000

struct test_net {
    struct iothread *io;
    struct net_backend *nb;
    int kick;                   /* eventfd: a frame for the back end waits */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint8_t tx[TEST_NET_FRAME]; /* the frame for the back end */
    size_t tx_len;
    bool tx_pending;
    struct {
        uint8_t data[TEST_NET_FRAME];
        size_t len;
    } rx[TEST_NET_QUEUE];       /* frames for the guest, oldest first */
    int nrx;
};

/* Frames for the guest past the queue's size are dropped, as a NIC would. */
static inline void test_net_rx(void *opaque, const uint8_t *frame, size_t len)
{
    struct test_net *t = opaque;
    pthread_mutex_lock(&t->lock);
    if (t->nrx < TEST_NET_QUEUE && len <= TEST_NET_FRAME) {
        memcpy(t->rx[t->nrx].data, frame, len);
        t->rx[t->nrx++].len = len;
        pthread_cond_broadcast(&t->cond);
    }
    pthread_mutex_unlock(&t->lock);
}

/* On the I/O thread (so no cmocka assertions): send the waiting frame in
 * two pieces, the Ethernet header and the rest, so the back end gathers
 * its iovec. */
static inline void test_net_kicked(void *opaque)
{
    struct test_net *t = opaque;
    uint64_t n;
    if (read(t->kick, &n, sizeof n) != sizeof n)
        return;
    uint8_t frame[TEST_NET_FRAME];
    pthread_mutex_lock(&t->lock);
    size_t len = t->tx_len;
    memcpy(frame, t->tx, len);
    pthread_mutex_unlock(&t->lock);
    struct iovec iov[2] = {
        { frame, 14 },
        { frame + 14, len - 14 },
    };
    net_backend_send(t->nb, iov, 2);
    pthread_mutex_lock(&t->lock);
    t->tx_pending = false;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
}

static inline struct timespec test_net_deadline(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += TEST_NET_WAIT_MS / 1000;
    return ts;
}

/* Create the back end o names on a new I/O thread and start it. */
static inline void test_net_start(struct test_net *t, const struct net_opts *o)
{
    memset(t, 0, sizeof *t);
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->cond, NULL);
    struct err e = { 0 };
    t->kick = -1;
    t->io = iothread_new(&e);
    assert_non_null(t->io);
    t->kick = eventfd(0, EFD_CLOEXEC);
    assert_true(t->kick >= 0);
    assert_int_equal(iothread_add_fd(t->io, t->kick, test_net_kicked, t, &e),
                     0);
    t->nb = net_backend_new(o, t->io, test_net_rx, t, &e);
    if (!t->nb)
        fail_msg("net_backend_new: %s (errno %d)", e.msg, e.errnum);
    assert_int_equal(iothread_start(t->io, &e), 0);
}

/* Undo test_net_start, even one that failed half-way; again is fine. */
static inline void test_net_stop(struct test_net *t)
{
    if (!t->io)
        return;
    iothread_free(t->io);
    net_backend_free(t->nb);
    if (t->kick >= 0)
        close(t->kick);
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->lock);
    t->io = NULL;
}

/* Hand a frame (at least an Ethernet header) to the back end and wait
 * until the I/O thread has. */
static inline void test_net_send(struct test_net *t, const uint8_t *frame,
                                 size_t len)
{
    assert_true(len >= 14 && len <= TEST_NET_FRAME);
    pthread_mutex_lock(&t->lock);
    memcpy(t->tx, frame, len);
    t->tx_len = len;
    t->tx_pending = true;
    uint64_t one = 1;
    assert_int_equal(write(t->kick, &one, sizeof one), sizeof one);
    struct timespec deadline = test_net_deadline();
    while (t->tx_pending)
        if (pthread_cond_timedwait(&t->cond, &t->lock, &deadline))
            break;
    bool sent = !t->tx_pending;
    pthread_mutex_unlock(&t->lock);
    assert_true(sent);
}

typedef bool test_net_match_fn(const uint8_t *frame, size_t len, void *ctx);

/* Wait for a frame for the guest that match accepts, dropping the ones
 * before it; copy it to out. Returns its length, or 0 on timeout. */
static inline size_t test_net_wait(struct test_net *t, test_net_match_fn *match,
                                   void *ctx, uint8_t out[TEST_NET_FRAME])
{
    struct timespec deadline = test_net_deadline();
    size_t len = 0;
    pthread_mutex_lock(&t->lock);
    for (;;) {
        int i = 0;
        while (i < t->nrx && !match(t->rx[i].data, t->rx[i].len, ctx))
            i++;
        if (i < t->nrx) {
            len = t->rx[i].len;
            memcpy(out, t->rx[i].data, len);
            i++;
        }
        memmove(t->rx, t->rx + i, (size_t)(t->nrx - i) * sizeof t->rx[0]);
        t->nrx -= i;
        if (len || pthread_cond_timedwait(&t->cond, &t->lock, &deadline))
            break;
    }
    pthread_mutex_unlock(&t->lock);
    return len;
}

#endif
