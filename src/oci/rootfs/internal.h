/* What the files of src/oci/rootfs/ share: the parsed root, mounts and
 * devices, and their helpers (option parsing, path resolution inside the
 * rootfs, one mount, /dev, cgroup mounts). Not for the rest of the runtime
 * (nor anything but its unit tests). */
#ifndef CELLA_OCI_ROOTFS_INTERNAL_H
#define CELLA_OCI_ROOTFS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct err;

/* One entry of mounts[]. flags are the MS_* flags the options set; cleared
 * the ones they turned off explicitly ("rw", "suid", "atime"...), so a bind
 * remount keeps the rest of what the source mount had. */
struct oci_mount {
    char *destination;        /* absolute, inside the container */
    char *type;               /* NULL when not given */
    char *source;             /* NULL when not given; binds: absolute */
    unsigned long flags;
    unsigned long cleared;
    bool atime_given;         /* an atime option was among the options */
    bool bind;                /* "bind", "rbind" or type "bind" */
    unsigned long propagation; /* MS_PRIVATE, MS_SLAVE... | MS_REC, or 0 */
    uint64_t attr_set;        /* recursive attributes (rro, rnosuid...) */
    uint64_t attr_clr;
    char *data;               /* the other options, comma-separated, or NULL */
    int source_fd;            /* a bind's source as a detached mount tree,
                                 cloned on the host side; -1: none */
};

struct oci_device {
    char *path;               /* absolute, inside the container */
    mode_t type;              /* S_IFCHR, S_IFBLK or S_IFIFO */
    uint32_t major, minor;
    mode_t mode;              /* permission bits */
    uid_t uid;
    gid_t gid;
};

struct oci_rootfs {
    char *path;
    bool readonly;
    struct oci_mount *mounts;
    size_t n_mounts;
    struct oci_device *devices;
    size_t n_devices;
    char **masked;
    size_t n_masked;
    char **readonly_paths;
    size_t n_readonly;
    unsigned long propagation; /* for "/", 0: the default */
};

/* Fill m's flags, propagation, attributes and data from options[n]; where
 * names the mount in messages ("mounts[2]"). */
int mount_options_parse(struct oci_mount *m, const char *const *options,
                        size_t n, const char *where, struct err *e);
/* MS_* propagation (with MS_REC for the r- forms) of a propagation word,
 * or 0 when it is none. */
unsigned long mount_propagation_word(const char *word);

/* What path_open_in makes of missing components. */
enum path_make {
    PATH_EXISTING,   /* nothing: a missing one is ENOENT */
    PATH_MAKE_DIR,   /* directories all the way */
    PATH_MAKE_FILE,  /* directories, then an empty regular file at the end */
};

/* An O_PATH descriptor for path inside the directory rootfd, every symlink
 * and ".." resolved as if rootfd were "/" (nothing outside it can be
 * reached). Returns the fd, or -1 with errno set. */
int path_open_in(int rootfd, const char *path, enum path_make make);
/* "/proc/self/fd/N" for fd in buf. */
const char *path_of_fd(int fd, char buf[static 32]);

/* Mount m inside the rootfs at rootfd (already bind-mounted onto itself). */
int mount_one(int rootfd, const struct oci_mount *m, bool in_userns,
              struct err *e);
/* The MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_RDONLY and atime flags the mount
 * of fd has now (statfs), for remounts that must keep them. */
unsigned long mount_flags_of(int fd);
/* Mount type "cgroup" at the open directory target (m->destination inside
 * rootfd); *bound says it became a bind of the host's whose flags are
 * still to be applied. */
int mount_cgroup(int rootfd, const struct oci_mount *m, int target,
                 bool *bound, struct err *e);

/* /dev: the default devices and symlinks the spec says the runtime
 * supplies, then linux.devices. Without a /dev mount they are made in the
 * rootfs's own /dev, as other runtimes do. */
int devices_create(int rootfd, const struct oci_rootfs *r, bool have_pts,
                   bool in_userns, struct err *e);

#endif
