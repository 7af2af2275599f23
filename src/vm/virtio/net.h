/* virtio-net: an Ethernet interface whose frames go to a host back end
 * (user networking through libslirp, or a tap device). */
#ifndef CELLA_VM_VIRTIO_NET_H
#define CELLA_VM_VIRTIO_NET_H

#include "vm/backend/net.h"

struct bus;
struct err;
struct virtio_dev;

/* A NIC on bus b (its guest RAM), its back end made by new_backend on io
 * (net_backend_new: the one arg, the --net value, names). index numbers
 * the machine's interfaces (the default MAC is 52:54:00:12:34:56 plus
 * index). Without io (tests, fuzzing) it cannot announce itself. */
struct virtio_dev *virtio_net_new(const struct bus *b, struct iothread *io,
                                  const char *arg, unsigned index,
                                  net_backend_new_fn *new_backend,
                                  struct err *e);

#endif
