/* virtio-net: an Ethernet interface whose frames go to a host back end
 * (user networking through libslirp, or a tap device). */
#ifndef CELLA_VM_VIRTIO_NET_H
#define CELLA_VM_VIRTIO_NET_H

struct err;
struct machine;
struct virtio_dev;

/* arg is the --net value; index numbers the machine's interfaces (the
 * default MAC is 52:54:00:12:34:56 plus index). */
struct virtio_dev *virtio_net_new(struct machine *m, const char *arg,
                                  unsigned index, struct err *e);

#endif
