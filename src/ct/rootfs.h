/* Root file systems for `cella ct run`: the default one made from the
 * host's static busybox, and a directory unpacked from an image tarball. */
#ifndef CELLA_CT_ROOTFS_H
#define CELLA_CT_ROOTFS_H

#include <stddef.h>

struct err;

/* The default rootfs (made on first use under dir, shared and read-only
 * to containers): path into out. */
int ct_default_rootfs(const char *dir, char *out, size_t size, struct err *e);

/* Unpack tarball into the new directory dest (tar -xf). */
int ct_unpack_image(const char *tarball, const char *dest, struct err *e);

/* rm -rf path (only what we made). */
void ct_remove_tree(const char *path);

#endif
