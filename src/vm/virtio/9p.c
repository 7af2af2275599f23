/* virtio-9p (virtio 1.2, 5.11 and the 9P transport it names): one request
 * queue; each chain carries a 9P request in its readable part and room
 * for the reply in its writable part. The file server (backend/p9fs.c)
 * sees whole messages in linear buffers. The mount tag is in config
 * space. */
#include "vm/virtio/9p.h"

#include <errno.h>
#include <linux/virtio_9p.h>
#include <linux/virtio_ids.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "base/err.h"
#include "vm/backend/p9fs.h"
#include "vm/virtio/mmio.h"

#define TAG_MAX 64
/* A message is at most msize, which the server caps at P9FS_MAX_MSIZE. */
#define MSG_MAX P9FS_MAX_MSIZE

struct p9 {
    struct virtio_dev dev;
    struct p9fs *fs;
    struct vq_req req;
    uint8_t *in, *out;          /* MSG_MAX each: request, reply */
};

static uint32_t handle(struct p9 *p)
{
    const struct vq_req *r = &p->req;
    size_t len = r->out_len < MSG_MAX ? r->out_len : MSG_MAX;
    size_t cap = r->in_len < MSG_MAX ? r->in_len : MSG_MAX;
    len = vq_gather(r, 0, p->in, len);
    size_t reply = p9fs_handle(p->fs, p->in, len, p->out, cap);
    return (uint32_t)vq_scatter(r, 0, p->out, reply);
}

static void p9_notify(struct virtio_dev *d, unsigned q)
{
    struct p9 *p = d->priv;
    do {
        while (virtio_pop(d, q, &p->req))
            virtio_push(d, q, &p->req, handle(p));
    } while (virtio_rearm(d, q));
}

static void p9_destroy(struct virtio_dev *d)
{
    struct p9 *p = d->priv;
    virtio_dev_destroy(d);
    p9fs_free(p->fs);
    free(p->in);
    free(p->out);
    free(p);
}

/* The device's own state is the server's: its fids (p9fs_save). */
static void p9_save(const struct virtio_dev *d, struct rec_out *o)
{
    const struct p9 *p = d->priv;
    p9fs_save(p->fs, o);
}

static int p9_load(struct virtio_dev *d, struct rec_in *in, struct err *e)
{
    struct p9 *p = d->priv;
    return p9fs_load(p->fs, in, e);
}

static const struct virtio_dev_ops p9_ops = {
    .name = "virtio-9p",
    .device_id = VIRTIO_ID_9P,
    .features = 1ull << VIRTIO_9P_MOUNT_TAG,
    .nqueues = 1,
    .notify = p9_notify,
    .destroy = p9_destroy,
    .save = p9_save,
    .load = p9_load,
};

/* DIR,tag=NAME[,readonly]: the tag is required, as the guest mounts by
 * it. Returns the tag (inside opts) or NULL with e filled. */
static const char *parse(char *opts, bool *readonly, struct err *e)
{
    const char *tag = NULL;
    char *save = NULL;
    for (char *o = strtok_r(opts, ",", &save); o;
         o = strtok_r(NULL, ",", &save)) {
        if (!strcmp(o, "readonly"))
            *readonly = true;
        else if (!strncmp(o, "tag=", 4) && o[4])
            tag = o + 4;
        else {
            err_set(e, 0, "--share: unknown option '%s' (tag=NAME, readonly)",
                    o);
            return NULL;
        }
    }
    if (!tag)
        err_set(e, 0, "--share needs tag=NAME (the guest mounts by it)");
    else if (strlen(tag) > TAG_MAX) {
        err_set(e, 0, "--share: tag '%s' is longer than %d characters", tag,
                TAG_MAX);
        tag = NULL;
    }
    return tag;
}

/* Each fid holds a host descriptor or two: let the server have as many
 * as the hard limit allows, not the 1024 a shell usually starts with. */
static void raise_fd_limit(void)
{
    struct rlimit l;
    if (getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur < l.rlim_max) {
        l.rlim_cur = l.rlim_max;
        setrlimit(RLIMIT_NOFILE, &l);
    }
}

static void set_tag(struct p9 *p, const char *tag)
{
    uint16_t len = (uint16_t)strlen(tag);
    memcpy(p->dev.config, &len, sizeof len);
    memcpy(p->dev.config + sizeof len, tag, len);
    p->dev.config_len = sizeof len + len;
}

struct virtio_dev *virtio_9p_new(const struct bus *bus, const char *arg,
                                 struct err *e)
{
    struct p9 *p = calloc(1, sizeof *p);
    char *copy = strdup(arg);
    if (p) {
        p->in = malloc(MSG_MAX);
        p->out = malloc(MSG_MAX);
    }
    if (!p || !copy || !p->in || !p->out) {
        err_set(e, ENOMEM, "virtio-9p: out of memory");
        goto fail;
    }
    char *comma = strchr(copy, ',');
    if (!comma) {
        err_set(e, 0, "--share needs tag=NAME (the guest mounts by it)");
        goto fail;
    }
    *comma = 0;
    bool readonly = false;
    const char *tag = parse(comma + 1, &readonly, e);
    if (!tag)
        goto fail;
    p->fs = p9fs_new(copy, readonly, e);
    if (!p->fs || virtio_dev_init(&p->dev, &p9_ops, p, bus, e) < 0)
        goto fail;
    set_tag(p, tag);
    raise_fd_limit();
    free(copy);
    return &p->dev;
fail:
    if (p) {
        p9fs_free(p->fs);
        free(p->in);
        free(p->out);
    }
    free(p);
    free(copy);
    return NULL;
}
