/* virtio-blk (virtio 1.2, 5.2): one request queue; reads, writes, flush,
 * get-id, discard and write-zeroes against a raw image, each request
 * checked against the disk's size before it touches the file. Requests
 * run on the I/O thread, transferring straight between the image and the
 * guest's buffers. */
#include "vm/virtio/blk.h"

#include <errno.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/rec.h"
#include "vm/backend/block.h"
#include "vm/virtio/mmio.h"

#define SECTOR 512u
#define SEG_MAX (VQ_MAX_SIZE - 2)       /* data segments in one request */
#define DWZ_MAX_SEGS 64                 /* ranges in a discard/zeroes */
#define DWZ_MAX_SECTORS (1u << 22)      /* 2 GiB in one range */

struct blk {
    struct virtio_dev dev;
    struct block img;
    char serial[VIRTIO_BLK_ID_BYTES];
    struct vq_req req;
    struct iovec data[VQ_MAX_SEGS];
    struct virtio_blk_discard_write_zeroes segs[DWZ_MAX_SEGS];
};

/* Byte range [sector*512, +len) inside the disk, without overflow. */
static bool in_range(const struct blk *b, uint64_t sector, uint64_t len)
{
    return sector <= b->img.size / SECTOR &&
           len <= b->img.size - sector * SECTOR;
}

static uint8_t rw(struct blk *b, const struct virtio_blk_outhdr *h,
                  size_t data_len, bool write)
{
    const struct vq_req *r = &b->req;
    size_t got;
    unsigned n = write ? vq_slice(r, false, sizeof *h, data_len, b->data, &got)
                       : vq_slice(r, true, 0, data_len, b->data, &got);
    if (data_len % SECTOR || !in_range(b, h->sector, data_len))
        return VIRTIO_BLK_S_IOERR;
    if (write && b->img.readonly)
        return VIRTIO_BLK_S_IOERR;
    uint64_t off = h->sector * SECTOR;
    int r_ = write ? block_write(&b->img, off, b->data, n)
                   : block_read(&b->img, off, b->data, n);
    return r_ < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

/* Whether one range of a discard or write-zeroes can be done: an OK, or
 * the status that refuses the whole request. */
static uint8_t check_range(const struct blk *b, uint32_t type,
                           const struct virtio_blk_discard_write_zeroes *seg)
{
    bool unmap = seg->flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;
    if (seg->num_sectors > DWZ_MAX_SECTORS ||
        (seg->flags & ~(uint32_t)VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) ||
        (type == VIRTIO_BLK_T_DISCARD && unmap))
        return VIRTIO_BLK_S_UNSUPP;
    if (!in_range(b, seg->sector, (uint64_t)seg->num_sectors * SECTOR))
        return VIRTIO_BLK_S_IOERR;
    return VIRTIO_BLK_S_OK;
}

/* Discard and write-zeroes carry an array of ranges after the header.
 * Every range is checked before any is done, so a refused request leaves
 * the disk as it was. */
static uint8_t ranges(struct blk *b, uint32_t type)
{
    const struct vq_req *r = &b->req;
    size_t len = r->out_len - sizeof(struct virtio_blk_outhdr);
    size_t n = len / sizeof b->segs[0];
    if (len == 0 || len % sizeof b->segs[0] || n > DWZ_MAX_SEGS)
        return VIRTIO_BLK_S_IOERR;
    if (b->img.readonly)
        return VIRTIO_BLK_S_IOERR;
    vq_gather(r, sizeof(struct virtio_blk_outhdr), b->segs, len);
    for (size_t i = 0; i < n; i++) {
        uint8_t status = check_range(b, type, &b->segs[i]);
        if (status != VIRTIO_BLK_S_OK)
            return status;
    }
    for (size_t i = 0; i < n; i++) {
        const struct virtio_blk_discard_write_zeroes *seg = &b->segs[i];
        uint64_t off = seg->sector * SECTOR;
        uint64_t bytes = (uint64_t)seg->num_sectors * SECTOR;
        int res = type == VIRTIO_BLK_T_DISCARD ?
                  block_discard(&b->img, off, bytes) :
                  block_zero(&b->img, off, bytes,
                             seg->flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
        if (res < 0)
            return VIRTIO_BLK_S_IOERR;
    }
    return VIRTIO_BLK_S_OK;
}

/* One request: header (readable), data, status byte (the last writable
 * byte). Returns the bytes written into the chain. */
static uint32_t handle(struct blk *b)
{
    const struct vq_req *r = &b->req;
    struct virtio_blk_outhdr h;
    if (r->in_len == 0)
        return 0;           /* no room even for a status: nothing to say */
    size_t data_in = r->in_len - 1;
    uint8_t status = VIRTIO_BLK_S_IOERR;
    uint32_t written = 0;
    if (vq_gather(r, 0, &h, sizeof h) == sizeof h) {
        switch (h.type) {
        case VIRTIO_BLK_T_IN:
            status = rw(b, &h, data_in, false);
            if (status == VIRTIO_BLK_S_OK)
                written = (uint32_t)data_in;
            break;
        case VIRTIO_BLK_T_OUT:
            status = rw(b, &h, r->out_len - sizeof h, true);
            break;
        case VIRTIO_BLK_T_FLUSH:
            status = block_flush(&b->img) < 0 ? VIRTIO_BLK_S_IOERR
                                              : VIRTIO_BLK_S_OK;
            break;
        case VIRTIO_BLK_T_GET_ID:
            written = (uint32_t)vq_scatter(r, 0, b->serial,
                                           data_in < sizeof b->serial ?
                                           data_in : sizeof b->serial);
            status = VIRTIO_BLK_S_OK;
            break;
        case VIRTIO_BLK_T_DISCARD:
        case VIRTIO_BLK_T_WRITE_ZEROES:
            status = ranges(b, h.type);
            break;
        default:
            status = VIRTIO_BLK_S_UNSUPP;
        }
    }
    vq_scatter(r, data_in, &status, 1);
    return written + 1;
}

static void blk_notify(struct virtio_dev *d, unsigned q)
{
    struct blk *b = d->priv;
    do {
        while (virtio_pop(d, q, &b->req))
            virtio_push(d, q, &b->req, handle(b));
    } while (virtio_rearm(d, q));
}

static void blk_destroy(struct virtio_dev *d)
{
    struct blk *b = d->priv;
    virtio_dev_destroy(d);
    block_close(&b->img);
    free(b);
}

/* A disk of another size than the snapshot's (given again with --disk,
 * or changed since): the guest's file system would not fit it. */
static void blk_config_check(const struct virtio_dev *d, const uint8_t *saved,
                             struct rec_in *in)
{
    const struct blk *b = d->priv;
    uint64_t was;
    memcpy(&was, saved + offsetof(struct virtio_blk_config, capacity),
           sizeof was);
    if (was != b->img.size / SECTOR)
        rec_fail(in, "the snapshot's disk has %llu bytes, this one %llu",
                 (unsigned long long)was * SECTOR,
                 (unsigned long long)b->img.size);
}

static int blk_claim(struct virtio_dev *d, bool take, struct err *e)
{
    struct blk *b = d->priv;
    if (take)
        return block_claim(&b->img, e);
    block_release(&b->img);
    return 0;
}

/* No state of its own to save: a request is done before notify returns,
 * and the disk's contents are the image's (written straight through). */
static const struct virtio_dev_ops blk_ops = {
    .name = "virtio-blk",
    .device_id = VIRTIO_ID_BLOCK,
    .features = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
                (1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_DISCARD) |
                (1ull << VIRTIO_BLK_F_WRITE_ZEROES),
    .nqueues = 1,
    .notify = blk_notify,
    .destroy = blk_destroy,
    .config_check = blk_config_check,
    .claim = blk_claim,
};

/* PATH[,readonly][,serial=S] */
static int parse(char *opts, bool *readonly, char *serial, struct err *e)
{
    char *save = NULL;
    for (char *o = strtok_r(opts, ",", &save); o;
         o = strtok_r(NULL, ",", &save)) {
        if (!strcmp(o, "readonly")) {
            *readonly = true;
        } else if (!strncmp(o, "serial=", 7)) {
            if (strlen(o + 7) > VIRTIO_BLK_ID_BYTES)
                return err_set(e, 0, "--disk: serial '%s' is longer than %d "
                               "characters", o + 7, VIRTIO_BLK_ID_BYTES);
            strncpy(serial, o + 7, VIRTIO_BLK_ID_BYTES);
        } else {
            return err_set(e, 0, "--disk: unknown option '%s' (readonly, "
                           "serial=S)", o);
        }
    }
    return 0;
}

static void fill_config(struct blk *b)
{
    struct virtio_blk_config c = {
        .capacity = b->img.size / SECTOR,
        .seg_max = SEG_MAX,
        .blk_size = SECTOR,
        .max_discard_sectors = DWZ_MAX_SECTORS,
        .max_discard_seg = DWZ_MAX_SEGS,
        .discard_sector_alignment = 8,
        .max_write_zeroes_sectors = DWZ_MAX_SECTORS,
        .max_write_zeroes_seg = DWZ_MAX_SEGS,
        .write_zeroes_may_unmap = 1,
    };
    _Static_assert(sizeof c <= VIRTIO_CONFIG_MAX, "config space too small");
    memcpy(b->dev.config, &c, sizeof c);
    b->dev.config_len = sizeof c;
}

struct virtio_dev *virtio_blk_new(const struct bus *bus, const char *arg,
                                  bool claim, struct err *e)
{
    struct blk *b = calloc(1, sizeof *b);
    char *copy = strdup(arg);
    if (!b || !copy) {
        free(b);
        free(copy);
        err_set(e, ENOMEM, "virtio-blk: out of memory");
        return NULL;
    }
    b->img.fd = -1;
    char *comma = strchr(copy, ',');
    bool readonly = false;
    if (comma)
        *comma = 0;
    int r = comma ? parse(comma + 1, &readonly, b->serial, e) : 0;
    if (r == 0 && !copy[0])
        r = err_set(e, 0, "--disk needs a file name");
    if (r == 0)
        r = block_open(&b->img, copy, readonly, e);
    if (r == 0 && claim)
        r = block_claim(&b->img, e);
    free(copy);
    if (r == 0)
        r = virtio_dev_init(&b->dev, &blk_ops, b, bus, e);
    if (r < 0) {
        block_close(&b->img);
        free(b);
        return NULL;
    }
    if (readonly)
        b->dev.features |= 1ull << VIRTIO_BLK_F_RO;
    fill_config(b);
    return &b->dev;
}
