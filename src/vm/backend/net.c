/* The network back end interface: picks the back end --net named and
 * forwards to its operations. */
#include "vm/backend/net.h"

#include "base/err.h"
#include "vm/backend/net_impl.h"

struct net_backend *net_backend_new(const struct net_opts *o,
                                    struct iothread *io, net_rx_fn *rx,
                                    void *opaque, struct err *e)
{
    switch (o->mode) {
    case NET_USER:
        return net_slirp_new(o, io, rx, opaque, e);
    case NET_TAP:
        return net_tap_new(o, io, rx, opaque, e);
    case NET_NONE:
        break;
    }
    err_set(e, 0, "--net none has no back end");
    return NULL;
}

void net_backend_send(struct net_backend *nb, const struct iovec *iov,
                      int iovcnt)
{
    nb->ops->send(nb, iov, iovcnt);
}

void net_backend_free(struct net_backend *nb)
{
    if (nb)
        nb->ops->free(nb);
}

unsigned net_backend_mtu(const struct net_backend *nb)
{
    return nb->mtu;
}
