/* The fid table: chained hash buckets, a global cap on entries, and the
 * path bookkeeping that follows renames. */
#include "vm/backend/p9fid.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm/backend/p9proto.h"

static struct p9fid **slot(struct p9fids *t, uint32_t num)
{
    struct p9fid **p = &t->bucket[(num * 2654435761u) % P9_FID_BUCKETS];
    while (*p && (*p)->num != num)
        p = &(*p)->next;
    return p;
}

struct p9fid *p9fids_get(struct p9fids *t, uint32_t num)
{
    return *slot(t, num);
}

struct p9fid *p9fids_add(struct p9fids *t, uint32_t num, int fd, char *path,
                         uint32_t uid, int *errnum)
{
    struct p9fid **p = slot(t, num);
    if (*p || num == P9_NOFID) {
        *errnum = EBADF;
        return NULL;
    }
    if (t->count >= P9_MAX_FIDS) {
        *errnum = EMFILE;
        return NULL;
    }
    struct p9fid *f = malloc(sizeof *f);
    if (!f) {
        *errnum = ENOMEM;
        return NULL;
    }
    *f = (struct p9fid){ .num = num, .fd = fd, .ofd = -1, .path = path,
                         .uid = uid };
    *p = f;
    t->count++;
    return f;
}

static void fid_free(struct p9fid *f)
{
    close(f->fd);
    if (f->ofd >= 0)
        close(f->ofd);
    free(f->path);
    free(f);
}

void p9fids_del(struct p9fids *t, uint32_t num)
{
    struct p9fid **p = slot(t, num);
    struct p9fid *f = *p;
    if (!f)
        return;
    *p = f->next;
    t->count--;
    fid_free(f);
}

void p9fids_clear(struct p9fids *t)
{
    for (unsigned b = 0; b < P9_FID_BUCKETS; b++) {
        while (t->bucket[b]) {
            struct p9fid *f = t->bucket[b];
            t->bucket[b] = f->next;
            fid_free(f);
        }
    }
    t->count = 0;
}

int p9fids_moved(struct p9fids *t, const char *from, const char *to)
{
    size_t n = strlen(from);
    int ret = 0;
    for (unsigned b = 0; b < P9_FID_BUCKETS; b++) {
        for (struct p9fid *f = t->bucket[b]; f; f = f->next) {
            if (strncmp(f->path, from, n) || (f->path[n] && f->path[n] != '/'))
                continue;
            char *np;
            if (asprintf(&np, "%s%s", to, f->path + n) < 0) {
                ret = ENOMEM;
                continue;
            }
            free(f->path);
            f->path = np;
        }
    }
    return ret;
}
