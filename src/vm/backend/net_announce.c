/* Self-announce: the RARP frame, and a timerfd on the I/O thread that
 * sends it at set times after net_announce_start, further apart each
 * time, so that a link or bridge not ready for the first sees a later
 * one. */
#include "vm/backend/net_announce.h"

#include <errno.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "vm/iothread.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull

/* When each frame goes, after net_announce_start. */
static const uint64_t send_at_ns[NET_ANNOUNCE_FRAMES] = {
    0, 50 * NS_PER_MS, 150 * NS_PER_MS, 300 * NS_PER_MS, 500 * NS_PER_MS,
};

struct net_announce {
    struct net_backend *nb;
    int timer_fd;
    uint8_t frame[NET_RARP_LEN];
    pthread_mutex_t lock;       /* guards what follows */
    uint64_t start_ns;          /* the last start (now_ns: CLOCK_MONOTONIC) */
    unsigned next;              /* the frame to send when the timer fires */
};

static uint8_t *put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return p + 2;
}

static uint8_t *put_mac(uint8_t *p, const uint8_t mac[ETH_ALEN])
{
    memcpy(p, mac, ETH_ALEN);
    return p + ETH_ALEN;
}

void net_rarp_frame(uint8_t frame[NET_RARP_LEN], const uint8_t mac[6])
{
    static const uint8_t broadcast[ETH_ALEN] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    };
    _Static_assert(NET_RARP_LEN == ETH_ZLEN, "padded to Ethernet's minimum");
    memset(frame, 0, NET_RARP_LEN);
    uint8_t *p = put_mac(frame, broadcast);
    p = put_mac(p, mac);
    p = put16(p, ETH_P_RARP);
    p = put16(p, ARPHRD_ETHER);         /* hardware: Ethernet */
    p = put16(p, ETH_P_IP);             /* protocol: IPv4 */
    *p++ = ETH_ALEN;
    *p++ = 4;                           /* an IPv4 address's length */
    p = put16(p, ARPOP_RREQUEST);
    p = put_mac(p, mac);                /* sender: mac, address 0 */
    p += 4;
    put_mac(p, mac);                    /* target: mac, address 0 */
}

/* Fire at start_ns + send_at_ns[next]; a time gone by fires at once. */
static void arm(struct net_announce *a)
{
    uint64_t at = a->start_ns + send_at_ns[a->next];
    struct itimerspec t = {
        .it_value = { (time_t)(at / NS_PER_S), (long)(at % NS_PER_S) },
    };
    timerfd_settime(a->timer_fd, TFD_TIMER_ABSTIME, &t, NULL);
}

/* The timer fired (I/O thread): the next frame, then the timer for the
 * one after. The frame goes out without the lock: a back end may hand
 * the NIC a frame back from inside its send. */
static void timer_fired(void *opaque)
{
    struct net_announce *a = opaque;
    uint64_t expirations;
    if (read(a->timer_fd, &expirations, sizeof expirations) < 0)
        return;     /* started again since it fired: wait for the new time */
    pthread_mutex_lock(&a->lock);
    bool send = a->next < NET_ANNOUNCE_FRAMES;
    if (send && ++a->next < NET_ANNOUNCE_FRAMES)
        arm(a);
    pthread_mutex_unlock(&a->lock);
    if (send) {
        struct iovec v = { a->frame, NET_RARP_LEN };
        net_backend_send(a->nb, &v, 1);
    }
}

struct net_announce *net_announce_new(struct iothread *io,
                                      struct net_backend *nb,
                                      const uint8_t mac[6], struct err *e)
{
    struct net_announce *a = calloc(1, sizeof *a);
    if (!a) {
        err_set(e, ENOMEM, "virtio-net: out of memory");
        return NULL;
    }
    a->nb = nb;
    a->next = NET_ANNOUNCE_FRAMES;
    net_rarp_frame(a->frame, mac);
    a->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (a->timer_fd < 0) {
        err_set(e, errno, "virtio-net: cannot create a timer");
        free(a);
        return NULL;
    }
    if (iothread_add_fd(io, a->timer_fd, timer_fired, a, e) < 0) {
        close(a->timer_fd);
        free(a);
        return NULL;
    }
    pthread_mutex_init(&a->lock, NULL);
    return a;
}

void net_announce_start(struct net_announce *a)
{
    pthread_mutex_lock(&a->lock);
    a->start_ns = now_ns();
    a->next = 0;
    arm(a);
    pthread_mutex_unlock(&a->lock);
}

void net_announce_free(struct net_announce *a)
{
    if (!a)
        return;
    close(a->timer_fd);
    pthread_mutex_destroy(&a->lock);
    free(a);
}
