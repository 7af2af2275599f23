/* The tap back end: a host tap device that already exists (IFF_TAP, no
 * packet information), nonblocking, read on the I/O thread. Each read or
 * write is one whole Ethernet frame. */
#include "vm/backend/net_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/err.h"
#include "vm/iothread.h"

#define FRAME_MAX 65536
/* Frames read per wake-up, so one busy tap cannot hold the I/O thread. */
#define READ_BURST 64
#define ETH_MTU 1500

struct net_tap {
    struct net_backend nb;
    int fd;
    net_rx_fn *rx;
    void *opaque;
    uint8_t frame[FRAME_MAX];
};

static void tap_readable(void *opaque)
{
    struct net_tap *nt = opaque;
    for (int i = 0; i < READ_BURST; i++) {
        ssize_t n = read(nt->fd, nt->frame, sizeof nt->frame);
        if (n <= 0)
            return;
        nt->rx(nt->opaque, nt->frame, (size_t)n);
    }
}

/* A full queue or a device that is down drops the frame, as a wire would. */
static void tap_send(struct net_backend *nb, const struct iovec *iov,
                     int iovcnt)
{
    struct net_tap *nt = (struct net_tap *)nb;
    writev(nt->fd, iov, iovcnt);
}

static void tap_free(struct net_backend *nb)
{
    struct net_tap *nt = (struct net_tap *)nb;
    if (nt->fd >= 0)
        close(nt->fd);
    free(nt);
}

static const struct net_backend_ops tap_ops = {
    .send = tap_send,
    .free = tap_free,
};

/* An ioctl about interface ifname, on a socket made for it. Returns the
 * ioctl's result, errno set when it is -1. */
static int ifreq_ioctl(const char *ifname, unsigned long req,
                       struct ifreq *ifr)
{
    *ifr = (struct ifreq){0};
    memcpy(ifr->ifr_name, ifname, strnlen(ifname, sizeof ifr->ifr_name - 1));
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    int r = ioctl(s, req, ifr);
    int why = errno;
    close(s);
    errno = why;
    return r;
}

static int tap_open(const char *ifname, struct err *e)
{
    /* TUNSETIFF would make a new, unconnected tap for a name that has no
     * interface (given CAP_NET_ADMIN): a misspelt name is an error. */
    struct ifreq exists;
    if (ifreq_ioctl(ifname, SIOCGIFINDEX, &exists) < 0)
        return err_set(e, errno, "--net tap: cannot open tap '%s'", ifname);
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, errno, "--net tap: cannot open tap '%s'", ifname);
    struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
    memcpy(ifr.ifr_name, ifname, strnlen(ifname, sizeof ifr.ifr_name - 1));
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int why = errno;
        close(fd);
        return err_set(e, why, "--net tap: cannot open tap '%s'", ifname);
    }
    return fd;
}

/* The tap's own MTU (the host may have raised it), else Ethernet's. */
static unsigned tap_mtu(const char *ifname)
{
    struct ifreq ifr;
    int r = ifreq_ioctl(ifname, SIOCGIFMTU, &ifr);
    return r == 0 && ifr.ifr_mtu > 0 && ifr.ifr_mtu < FRAME_MAX - 64 ?
           (unsigned)ifr.ifr_mtu : ETH_MTU;
}

struct net_backend *net_tap_new(const struct net_opts *o, struct iothread *io,
                                net_rx_fn *rx, void *opaque, struct err *e)
{
    struct net_tap *nt = calloc(1, sizeof *nt);
    if (!nt) {
        err_set(e, ENOMEM, "--net tap: cannot allocate the tap");
        return NULL;
    }
    nt->nb.ops = &tap_ops;
    nt->nb.mode = NET_TAP;
    nt->rx = rx;
    nt->opaque = opaque;
    nt->fd = tap_open(o->ifname, e);
    nt->nb.mtu = tap_mtu(o->ifname);
    if (nt->fd < 0 || iothread_add_fd(io, nt->fd, tap_readable, nt, e) < 0) {
        tap_free(&nt->nb);
        return NULL;
    }
    return &nt->nb;
}
