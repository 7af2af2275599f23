/* Host-side file access for the 9P server, confined beneath the share's
 * root: opens that never follow a symlink nor leave their starting
 * directory, the checks on names the guest sends, root-relative paths, and
 * re-opening the file a fid names for I/O. */
#ifndef CELLA_VM_BACKEND_P9HOST_H
#define CELLA_VM_BACKEND_P9HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

struct p9fid;
struct p9qid;

/* openat2 from dirfd with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS and O_NOFOLLOW | O_CLOEXEC added: no symlink is
 * followed anywhere in path (an O_PATH open of a symlink names the link
 * itself) and the result lies beneath dirfd. Returns the fd or -errno. */
int p9_open_beneath(int dirfd, const char *path, int flags, mode_t mode);

/* 0 when name is one path component a client may create or look up:
 * not empty, not "." or "..", no '/'; EINVAL otherwise. */
int p9_check_name(const char *name);

/* "dir/name" (name alone when dir is the root, "."). 0, or ENAMETOOLONG
 * or ENOMEM with *out NULL. */
int p9_join(const char *dir, const char *name, char **out);
/* The parent of a root-relative path; the root's parent is the root. */
int p9_parent(const char *path, char **out);
/* The last component of a root-relative path. */
const char *p9_base(const char *path);

/* lstat of the file fd names (fd may be O_PATH). 0 or an errno. */
int p9_stat(int fd, struct stat *st);
/* chmod of the file fd names (fd may be O_PATH). 0 or an errno. */
int p9_chmod(int fd, mode_t mode);
void p9_qid(const struct stat *st, struct p9qid *q);
/* 0 when name in dirfd (dirfd itself for "") is the file st describes;
 * ESTALE when it is another file, or the errno of looking it up. */
int p9_entry_is(int dirfd, const char *name, const struct stat *st);

/* Open the file fid names for I/O with host open flags. Directories open
 * through the fid's own descriptor; regular files through the fid's path
 * from rootfd, and only when that is still the same file (ESTALE if not);
 * a symlink fails ELOOP and any other kind of file EPERM (device nodes and
 * fifos are never opened on the host). On success *st describes the file. */
int p9_reopen(int rootfd, const struct p9fid *fid, int flags, int *ofd,
              struct stat *st);

/* A file just created through fd (any kind of descriptor): give it to
 * uid/gid when own (P9_NOFID-like ~0 leaves either unchanged), then make
 * its permission bits exactly mode whatever the host's umask (keeping a
 * set-group-ID bit a new directory inherited). *st describes the result. */
int p9_settle(int fd, uint32_t uid, uint32_t gid, uint32_t mode, bool own,
              struct stat *st);

#endif
