/* The network back ends a NIC sends its frames through: user networking
 * (libslirp: NAT, DHCP, DNS and host port forwards) or a host tap device.
 * Frames are plain Ethernet, without a virtio header. A back end runs on
 * the I/O thread: net_backend_new registers it there (before
 * iothread_start), and it is freed once that thread has stopped. */
#ifndef CELLA_VM_BACKEND_NET_H
#define CELLA_VM_BACKEND_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vm/backend/net_opts.h"

struct err;
struct iothread;
struct net_backend;
struct rec_in;
struct rec_out;

/* A frame for the guest, on the I/O thread. There is no back pressure:
 * a frame the NIC has no room for is dropped there (TCP through user
 * networking resends it; from a tap it is lost, as on a wire). */
typedef void net_rx_fn(void *opaque, const uint8_t *frame, size_t len);

/* What makes a NIC's back end: net_backend_new, or a test's own. */
typedef struct net_backend *net_backend_new_fn(const struct net_opts *o,
                                               struct iothread *io,
                                               net_rx_fn *rx, void *opaque,
                                               struct err *e);

/* The back end o->mode names (not NET_NONE), registered on io. Returns
 * NULL with e filled on failure, leaving nothing registered. */
net_backend_new_fn net_backend_new;
/* A frame from the guest, on the I/O thread. One that cannot be sent
 * (too long, or the host side is full or down) is dropped. */
void net_backend_send(struct net_backend *nb, const struct iovec *iov,
                      int iovcnt);
/* Only after iothread_free. NULL is fine. */
void net_backend_free(struct net_backend *nb);
/* The link MTU the guest should use with this back end. */
unsigned net_backend_mtu(const struct net_backend *nb);
/* The back end's part of its NIC's record (the machine paused):
 *
 *   mode   u8: the kind of back end (net_opts' NET_NONE, NET_USER, NET_TAP)
 *   then   the back end's own fields; user networking's:
 *            version  u32: libslirp's state version (slirp_state_version)
 *            length   u32, then length bytes: slirp_state_save's output
 *          none for a tap (the host's; it is opened again from --net).
 *
 * Loading needs a back end of the same kind, made from the --net given
 * (port forwards are made from it, not from the record); another kind is
 * refused. A record libslirp refuses may leave its stack half loaded:
 * the machine is then not started. */
void net_backend_save(struct net_backend *nb, struct rec_out *o);
void net_backend_load(struct net_backend *nb, struct rec_in *in);

#endif
