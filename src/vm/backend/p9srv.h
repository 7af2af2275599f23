/* Inside the 9P server: its state and the message handlers the dispatcher
 * in p9fs.c calls. A handler reads its request body from r and writes its
 * reply body into w; it returns 0, or an errno for an Rlerror reply (EINVAL
 * when the request is malformed). */
#ifndef CELLA_VM_BACKEND_P9SRV_H
#define CELLA_VM_BACKEND_P9SRV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vm/backend/p9fid.h"
#include "vm/backend/p9wire.h"

#define P9_DIRBUF_SIZE (32 * 1024)

struct p9fs {
    int rootfd;                 /* O_PATH|O_DIRECTORY: the share's root */
    bool readonly;
    bool own_new;               /* running as root: new files go to their creator */
    uint32_t msize;             /* 0 until a Tversion agreed on 9P2000.L */
    struct p9fids fids;
    pthread_mutex_t lock;
    uint8_t dirbuf[P9_DIRBUF_SIZE];  /* Treaddir's host entries */
};

/* p9io.c: the host open flags for a Tlopen's or Tlcreate's flags; 0, or
 * EINVAL (no access mode) or EROFS (a change on a read-only share). */
int p9_open_flags(uint32_t p9, bool readonly, int *flags);

typedef int p9_handler(struct p9fs *fs, struct p9r *r, struct p9w *w);

/* p9fs.c: session */
p9_handler p9_version, p9_attach, p9_flush, p9_walk, p9_clunk;
/* p9io.c: opening and I/O */
p9_handler p9_lopen, p9_lcreate, p9_read, p9_write, p9_readdir, p9_fsync,
           p9_lock, p9_getlock;
/* p9attr.c: attributes */
p9_handler p9_getattr, p9_setattr, p9_statfs, p9_readlink;
/* p9dir.c: changes to directories */
p9_handler p9_mkdir, p9_symlink, p9_mknod, p9_rename, p9_renameat,
           p9_unlinkat, p9_link, p9_remove;

#endif
