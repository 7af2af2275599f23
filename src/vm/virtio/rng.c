/* virtio-rng (virtio 1.2, 5.4): fills each writable buffer the driver
 * offers with bytes from the host's getrandom(). */
#include "vm/virtio/rng.h"

#include <errno.h>
#include <linux/virtio_ids.h>
#include <stdlib.h>
#include <sys/random.h>

#include "base/err.h"
#include "vm/virtio/mmio.h"

struct rng {
    struct virtio_dev dev;
    struct vq_req req;
};

/* Entropy written straight into guest RAM, segment by segment. */
static uint32_t fill(const struct vq_req *r)
{
    uint32_t written = 0;
    for (unsigned i = r->nout; i < r->nout + r->nin; i++) {
        size_t done = 0;
        while (done < r->iov[i].iov_len) {
            ssize_t n = getrandom((char *)r->iov[i].iov_base + done,
                                  r->iov[i].iov_len - done, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return written;
            done += (size_t)n;
            written += (uint32_t)n;
        }
    }
    return written;
}

static void rng_notify(struct virtio_dev *d, unsigned q)
{
    struct rng *rng = d->priv;
    do {
        while (virtio_pop(d, q, &rng->req))
            virtio_push(d, q, &rng->req, fill(&rng->req));
    } while (virtio_rearm(d, q));
}

static void rng_destroy(struct virtio_dev *d)
{
    struct rng *rng = d->priv;
    virtio_dev_destroy(d);
    free(rng);
}

/* No state of its own to save: each buffer is filled as it is taken. */
static const struct virtio_dev_ops rng_ops = {
    .name = "virtio-rng",
    .device_id = VIRTIO_ID_RNG,
    .nqueues = 1,
    .notify = rng_notify,
    .destroy = rng_destroy,
};

struct virtio_dev *virtio_rng_new(const struct bus *bus, struct err *e)
{
    struct rng *rng = calloc(1, sizeof *rng);
    if (!rng) {
        err_set(e, ENOMEM, "virtio-rng: out of memory");
        return NULL;
    }
    if (virtio_dev_init(&rng->dev, &rng_ops, rng, bus, e) < 0) {
        free(rng);
        return NULL;
    }
    return &rng->dev;
}
