/* The network back end interface: picks the back end --net named and
 * forwards to its operations. */
#include "vm/backend/net.h"

#include "base/err.h"
#include "base/rec.h"
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

static const char *mode_name(unsigned mode)
{
    static const char *const names[] = {
        [NET_NONE] = "none", [NET_USER] = "user", [NET_TAP] = "tap",
    };
    return names[mode];
}

void net_backend_save(struct net_backend *nb, struct rec_out *o)
{
    rec_u8(o, (uint8_t)nb->mode);
    if (nb->ops->save)
        nb->ops->save(nb, o);
}

void net_backend_load(struct net_backend *nb, struct rec_in *in)
{
    uint8_t mode = rec_get_u8(in);
    if (mode > NET_TAP)
        rec_fail(in, "a back end of kind %u", mode);
    else if (rec_ok(in) && mode != nb->mode)
        rec_fail(in, "the snapshot's NIC was on --net %s, this one is on "
                 "--net %s", mode_name(mode), mode_name((unsigned)nb->mode));
    if (rec_ok(in) && nb->ops->load)
        nb->ops->load(nb, in);
}
