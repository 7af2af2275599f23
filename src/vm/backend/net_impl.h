/* What each network back end gives net.c: a constructor, and its
 * operations behind the common struct net_backend, which it embeds
 * first. */
#ifndef CELLA_VM_BACKEND_NET_IMPL_H
#define CELLA_VM_BACKEND_NET_IMPL_H

#include "base/rec.h"
#include "vm/backend/net.h"

struct net_backend_ops {
    void (*send)(struct net_backend *nb, const struct iovec *iov, int iovcnt);
    void (*free)(struct net_backend *nb);
    /* Optional, for a back end with state of its own (user networking):
     * its fields in the NIC's record, and reading them back into a back
     * end made from the same --net (rec_fail on a bad value). */
    void (*save)(struct net_backend *nb, struct rec_out *o);
    void (*load)(struct net_backend *nb, struct rec_in *in);
};

struct net_backend {
    const struct net_backend_ops *ops;
    unsigned mtu;               /* the largest IP packet it passes */
    int mode;                   /* the net_opts mode it was made for */
};

struct net_backend *net_slirp_new(const struct net_opts *o,
                                  struct iothread *io, net_rx_fn *rx,
                                  void *opaque, struct err *e);
struct net_backend *net_tap_new(const struct net_opts *o, struct iothread *io,
                                net_rx_fn *rx, void *opaque, struct err *e);

#endif
