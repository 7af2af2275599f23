/* What each network back end gives net.c: a constructor, and its send
 * and free operations behind the common struct net_backend, which it
 * embeds first. */
#ifndef CELLA_VM_BACKEND_NET_IMPL_H
#define CELLA_VM_BACKEND_NET_IMPL_H

#include "vm/backend/net.h"

struct net_backend_ops {
    void (*send)(struct net_backend *nb, const struct iovec *iov, int iovcnt);
    void (*free)(struct net_backend *nb);
};

struct net_backend {
    const struct net_backend_ops *ops;
    unsigned mtu;               /* the largest IP packet it passes */
};

struct net_backend *net_slirp_new(const struct net_opts *o,
                                  struct iothread *io, net_rx_fn *rx,
                                  void *opaque, struct err *e);
struct net_backend *net_tap_new(const struct net_opts *o, struct iothread *io,
                                net_rx_fn *rx, void *opaque, struct err *e);

#endif
