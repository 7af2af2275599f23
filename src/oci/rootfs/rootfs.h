/* The container's file system view: rootfs, mounts, /dev, masked and
 * read-only paths, and the switch into the new root. */
#ifndef CELLA_OCI_ROOTFS_ROOTFS_H
#define CELLA_OCI_ROOTFS_ROOTFS_H

#include <stdbool.h>

#include <json-c/json.h>

struct err;
struct oci_rootfs;

/* Parse root (path relative to bundle or absolute; readonly), mounts,
 * linux.devices, linux.maskedPaths, linux.readonlyPaths,
 * linux.rootfsPropagation from the whole spec. Checks the rootfs exists
 * and is a directory. */
int rootfs_parse(json_object *spec, const char *bundle,
                 struct oci_rootfs **out, struct err *e);
void rootfs_free(struct oci_rootfs *r);
/* The rootfs directory, absolute. */
const char *rootfs_path(const struct oci_rootfs *r);

/* In the runtime, before the container's user namespace exists: clone
 * each bind mount's source as a detached mount tree, so that the init can
 * mount a source its mapped root could not reach by path (a directory it
 * cannot search), as runc and crun open them on the host side. */
int rootfs_open_bind_sources(struct oci_rootfs *r, struct err *e);

/* In the init, already in its own mount namespace and cgroup: set
 * propagation, bind the rootfs onto itself, do every mount (destinations
 * resolved inside the rootfs, never through a symlink out of it; created
 * when missing), make /dev's devices (bind mounts from the host when in a
 * user namespace) and default symlinks. Stops short of pivot_root. */
int rootfs_prepare(const struct oci_rootfs *r, bool in_userns, struct err *e);
/* Then: masked and read-only paths, pivot_root (chroot when no_pivot),
 * the process's cwd made when missing, read-only root. Afterwards the
 * working directory is "/". */
int rootfs_enter(const struct oci_rootfs *r, bool no_pivot, const char *cwd,
                 struct err *e);

#endif
