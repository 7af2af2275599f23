/* A 9P2000.L file server over one host directory, for the virtio-9p device:
 * whole request messages in, whole reply messages out. Nothing outside the
 * root is reachable, whatever the guest sends (see p9host.h). */
#ifndef CELLA_VM_BACKEND_P9FS_H
#define CELLA_VM_BACKEND_P9FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct err;
struct p9fs;
struct rec_in;
struct rec_out;

/* The msize the server accepts at most (the device advertises its buffers). */
#define P9FS_MAX_MSIZE (512 * 1024)
/* The smallest msize a Tversion may ask for. */
#define P9FS_MIN_MSIZE 4096

/* Serve the host directory root (must exist and be a directory). With
 * readonly, every change fails EROFS. */
struct p9fs *p9fs_new(const char *root, bool readonly, struct err *e);
/* NULL is fine. */
void p9fs_free(struct p9fs *fs);

/* Handle one 9P request message req[0..reqlen) (size[4] type[1] tag[2] ...)
 * and write the complete reply message into resp (capacity resp_cap).
 * Returns the reply length. Protocol errors and host errors become Rlerror
 * with a Linux errno; a malformed message (sizes that do not add up,
 * strings running past the end) gets Rlerror EINVAL, an unknown or
 * unsupported type EOPNOTSUPP; 0 when even the tag cannot be read or resp
 * cannot hold an Rlerror. Never reads or writes out of bounds, whatever the
 * bytes. Any thread; calls are serialized. */
size_t p9fs_handle(struct p9fs *fs, const uint8_t *req, size_t reqlen,
                   uint8_t *resp, size_t resp_cap);

/* The server's state (the record "p9fs"): the session and every fid by
 * its path beneath the root. Any thread; calls are serialized. */
void p9fs_save(const struct p9fs *fs, struct rec_out *o);
/* Read what p9fs_save wrote, opening every fid again beneath this
 * server's root: 0, or -1 with e filled and fs as it was. */
int p9fs_load(struct p9fs *fs, struct rec_in *in, struct err *e);

#endif
