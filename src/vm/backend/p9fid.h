/* The 9P server's fid table: the fids the client holds, each naming one file
 * beneath the share's root, in a hash table capped at P9_MAX_FIDS entries so
 * that a guest cannot exhaust host memory or descriptors. */
#ifndef CELLA_VM_BACKEND_P9FID_H
#define CELLA_VM_BACKEND_P9FID_H

#include <stdint.h>

#define P9_MAX_FIDS 4096u
#define P9_FID_BUCKETS 1024u

struct p9fid {
    uint32_t num;
    int fd;                     /* O_PATH|O_NOFOLLOW: the file this fid names */
    int ofd;                    /* the file opened for I/O by Tlopen/Tlcreate; -1 */
    uint32_t oflags;            /* the flags ofd was opened with (P9_DOTL_*) */
    char *path;                 /* relative to the root, canonical; "." is the root */
    uint32_t uid;               /* the attaching user: owner of what it creates */
    struct p9fid *next;
};

struct p9fids {
    struct p9fid *bucket[P9_FID_BUCKETS];
    unsigned count;
};

struct p9fid *p9fids_get(struct p9fids *t, uint32_t num);
/* Add fid num taking fd and path (on success only); ofd starts at -1.
 * Returns the fid, or NULL with *errnum EBADF (num in use or P9_NOFID) or
 * EMFILE (the table is full). */
struct p9fid *p9fids_add(struct p9fids *t, uint32_t num, int fd, char *path,
                         uint32_t uid, int *errnum);
/* Remove fid num, closing its descriptors. */
void p9fids_del(struct p9fids *t, uint32_t num);
void p9fids_clear(struct p9fids *t);
/* After a rename of from to to: every fid at from or beneath it follows.
 * Returns ENOMEM (some paths left unchanged) or 0. */
int p9fids_moved(struct p9fids *t, const char *from, const char *to);

#endif
