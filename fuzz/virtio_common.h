/* What the virtio fuzz targets share: the devices they build on a fake
 * bus, each with a small private back end and a way to offer it input from
 * the host side, and the driver's side of the registers. Included once by
 * each target. */
#ifndef CELLA_FUZZ_VIRTIO_COMMON_H
#define CELLA_FUZZ_VIRTIO_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "vm/backend/net_impl.h"
#include "vm/bus.h"
#include "vm/virtio/mmio.h"
#include "vm/virtio/9p.h"
#include "vm/virtio/blk.h"
#include "vm/virtio/console.h"
#include "vm/virtio/net.h"
#include "vm/virtio/rng.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x10000u       /* a 16-bit offset reaches all of it */

/* A broken invariant: a crash for libFuzzer to keep. */
static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz: %s\n", what);
        abort();
    }
}

static uint32_t rd(struct virtio_dev *d, uint64_t off)
{
    return (uint32_t)virtio_mmio_read(d, off, 4);
}

static void wr(struct virtio_dev *d, uint64_t off, uint32_t val)
{
    virtio_mmio_write(d, off, val, 4);
}

static void notify(struct virtio_dev *d, uint32_t q)
{
    wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, q);
    virtio_process(d);
}

static uint64_t offered_features(struct virtio_dev *d)
{
    uint64_t f = 0;
    for (uint32_t sel = 0; sel < 2; sel++) {
        wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, sel);
        f |= (uint64_t)rd(d, VIRTIO_MMIO_DEVICE_FEATURES) << (32 * sel);
    }
    return f;
}

/* The devices: each built on a fake bus alone (no machine, no interrupt
 * line). A device that needs a back end gets a constructor
 * here that makes a small private one. A device with input from the host
 * side (frames, typed text) has an input function that offers len bytes
 * of it before a script's notify. */
typedef struct virtio_dev *device_new_fn(const struct bus *b, struct err *e);
typedef void device_input_fn(struct virtio_dev *d, size_t len);

/* A 1 MiB disk image and a share folder, made once per process. */
static char disk_arg[64] = "/tmp/cella-fuzz-disk-XXXXXX";
static char share_arg[64] = "/tmp/cella-fuzz-share-XXXXXX";

static struct virtio_dev *blk_new(const struct bus *b, struct err *e)
{
    static int made;
    if (!made) {
        int fd = mkstemp(disk_arg);
        check(fd >= 0 && ftruncate(fd, 1 << 20) == 0, "cannot make the disk");
        close(fd);
        made = 1;
    }
    return virtio_blk_new(b, disk_arg, true, e);
}

/* The share holds a file, f, made again for each device (a guest may have
 * removed it), so that a walk has somewhere to go. */
static struct virtio_dev *p9_new(const struct bus *b, struct err *e)
{
    static char arg[96], file[96];
    if (!arg[0]) {
        check(mkdtemp(share_arg) != NULL, "cannot make the share");
        snprintf(arg, sizeof arg, "%s,tag=fuzz", share_arg);
        snprintf(file, sizeof file, "%s/f", share_arg);
    }
    int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
    return virtio_9p_new(b, arg, e);
}

/* The host side's bytes: what the input functions offer. */
#define HOST_INPUT_MAX 65536
static uint8_t host_input[HOST_INPUT_MAX];

/* virtio-net's back end: a loopback made for fuzzing that needs no host
 * network. Every frame the guest sends comes straight back to it (from
 * inside the transmit, as user networking answers ARP), and the script
 * can send it frames of its own. */
struct loop_backend {
    struct net_backend nb;
    net_rx_fn *rx;
    void *opaque;
    uint8_t frame[HOST_INPUT_MAX];
};

static struct loop_backend *loop;       /* the net device's, while it lives */

static void loop_send(struct net_backend *nb, const struct iovec *iov,
                      int iovcnt)
{
    struct loop_backend *l = (struct loop_backend *)nb;
    size_t len = 0;
    for (int i = 0; i < iovcnt; i++) {
        check(iov[i].iov_len <= sizeof l->frame - len, "frame too long");
        memcpy(l->frame + len, iov[i].iov_base, iov[i].iov_len);
        len += iov[i].iov_len;
    }
    l->rx(l->opaque, l->frame, len);
}

static void loop_free(struct net_backend *nb)
{
    loop = NULL;
    free(nb);
}

static const struct net_backend_ops loop_ops = {
    .send = loop_send,
    .free = loop_free,
};

static struct net_backend *loop_new(const struct net_opts *o,
                                    struct iothread *io, net_rx_fn *rx,
                                    void *opaque, struct err *e)
{
    (void)o;
    (void)io;
    loop = calloc(1, sizeof *loop);
    if (!loop) {
        err_set(e, ENOMEM, "cannot allocate the loopback");
        return NULL;
    }
    loop->nb = (struct net_backend){ .ops = &loop_ops, .mtu = 1500 };
    loop->rx = rx;
    loop->opaque = opaque;
    return &loop->nb;
}

static struct virtio_dev *net_new(const struct bus *b, struct err *e)
{
    return virtio_net_new(b, NULL, "none", 0, loop_new, e);
}

/* A frame of len bytes from the host side, as a back end delivers it. */
static void net_input(struct virtio_dev *d, size_t len)
{
    (void)d;
    loop->rx(loop->opaque, host_input, len);
}

/* The console's output: every byte is read, so a segment that is not
 * where it should be shows. */
static void console_sink(void *opaque, const struct iovec *iov, unsigned n)
{
    uint8_t *sum = opaque;
    for (unsigned i = 0; i < n; i++)
        for (size_t j = 0; j < iov[i].iov_len; j++)
            *sum ^= ((const uint8_t *)iov[i].iov_base)[j];
}

static struct virtio_dev *console_new(const struct bus *b, struct err *e)
{
    static uint8_t sum;
    return virtio_console_new(b, console_sink, &sum, e);
}

/* Typed text; what the device's buffer cannot hold is not offered again. */
static void console_input(struct virtio_dev *d, size_t len)
{
    virtio_console_rx(d, host_input, len);
}

static const struct {
    device_new_fn *new;
    device_input_fn *input;     /* NULL: no input from the host side */
} devices[] = {
    { virtio_rng_new, NULL },
    { blk_new, NULL },
    { p9_new, NULL },
    { net_new, net_input },
    { console_new, console_input },
};
#define NDEVICES (sizeof devices / sizeof devices[0])

/* Reset, ACKNOWLEDGE, DRIVER, the offered features of these with
 * VERSION_1, FEATURES_OK (virtio 1.2, 3.1.1). Returns the status. */
static uint32_t negotiate(struct virtio_dev *d, uint64_t want)
{
    check(rd(d, VIRTIO_MMIO_MAGIC_VALUE) == 0x74726976, "bad magic");
    check(rd(d, VIRTIO_MMIO_VERSION) == 2, "bad version");
    check(rd(d, VIRTIO_MMIO_DEVICE_ID) == d->ops->device_id, "bad device id");

    wr(d, VIRTIO_MMIO_STATUS, 0);
    wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
    uint32_t status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
    wr(d, VIRTIO_MMIO_STATUS, status);

    uint64_t features = (want & offered_features(d)) |
                        (1ull << VIRTIO_F_VERSION_1);
    for (uint32_t sel = 0; sel < 2; sel++) {
        wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, sel);
        wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32 * sel));
    }
    status |= VIRTIO_CONFIG_S_FEATURES_OK;
    wr(d, VIRTIO_MMIO_STATUS, status);
    check(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK,
          "offered features with VERSION_1 refused");
    return status;
}

/* Queue q of num entries with its rings at these offsets into RAM (any
 * of it may be invalid), then QueueReady. */
static void set_queue(struct virtio_dev *d, uint32_t q, uint32_t num,
                      uint32_t desc, uint32_t avail, uint32_t used)
{
    wr(d, VIRTIO_MMIO_QUEUE_SEL, q);
    check(rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX) != 0, "queue without a size");
    wr(d, VIRTIO_MMIO_QUEUE_NUM, num);
    const uint64_t rings[][2] = {
        { VIRTIO_MMIO_QUEUE_DESC_LOW, RAM_BASE + desc },
        { VIRTIO_MMIO_QUEUE_AVAIL_LOW, RAM_BASE + avail },
        { VIRTIO_MMIO_QUEUE_USED_LOW, RAM_BASE + used },
    };
    for (unsigned i = 0; i < 3; i++) {
        wr(d, rings[i][0], (uint32_t)rings[i][1]);
        wr(d, rings[i][0] + 4, (uint32_t)(rings[i][1] >> 32));
    }
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
}

/* Whatever happened, acknowledging every interrupt clears them and a
 * reset brings the device back to its first state. */
static void check_reset(struct virtio_dev *d)
{
    wr(d, VIRTIO_MMIO_INTERRUPT_ACK, rd(d, VIRTIO_MMIO_INTERRUPT_STATUS));
    check(rd(d, VIRTIO_MMIO_INTERRUPT_STATUS) == 0, "interrupt not cleared");
    wr(d, VIRTIO_MMIO_STATUS, 0);
    check(rd(d, VIRTIO_MMIO_STATUS) == 0, "reset left a status");
    for (uint32_t q = 0; q < d->ops->nqueues; q++) {
        wr(d, VIRTIO_MMIO_QUEUE_SEL, q);
        check(rd(d, VIRTIO_MMIO_QUEUE_READY) == 0, "reset left a queue ready");
    }
}

#endif
