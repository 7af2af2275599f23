/* What the files of src/oci/cgroup/ share among themselves: the parsed
 * resources, the hierarchies found in mountinfo, the container's cgroup on
 * each of them, and the per-version writers. Not for use outside this
 * folder (and its unit tests). */
#ifndef CELLA_OCI_CGROUP_INTERNAL_H
#define CELLA_OCI_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/cgroup/cgroup.h"

#define CG_ANY (-1) /* a device rule's wildcard major or minor */

struct cg_dev_rule {
    bool allow;
    char type;            /* 'a', 'b' or 'c' */
    int64_t major, minor; /* CG_ANY: every one */
    unsigned access;      /* CG_ACC_* bits */
};
#define CG_ACC_READ 1u
#define CG_ACC_WRITE 2u
#define CG_ACC_MKNOD 4u
#define CG_ACC_ALL 7u

struct cg_weight_dev {
    int64_t major, minor;
    uint64_t weight, leaf_weight; /* 0: not set */
};

struct cg_rate_dev {
    int64_t major, minor;
    uint64_t rate;
};

struct cg_hugepage {
    char size[16]; /* "2MB" */
    uint64_t limit;
};

struct cg_kv {
    char *key, *value;
};

/* Each has_* says the member was given; the value is used only then. */
struct cg_resources {
    bool has_mem_limit, has_mem_reservation, has_mem_swap, has_swappiness,
        has_oom_kill_disable;
    int64_t mem_limit, mem_reservation, mem_swap; /* -1: unlimited */
    uint64_t swappiness;
    bool oom_kill_disable;

    bool has_cpu_shares, has_cpu_quota, has_cpu_period, has_rt_runtime,
        has_rt_period, has_cpu_idle;
    uint64_t cpu_shares, cpu_period, rt_period;
    int64_t cpu_quota, rt_runtime, cpu_idle; /* quota -1: unlimited */
    char *cpus, *mems;                       /* NULL: not set */

    bool has_pids_limit;
    int64_t pids_limit; /* < 0: unlimited (0 is parsed as absent) */

    uint64_t blkio_weight, blkio_leaf_weight; /* 0: not set */
    struct cg_weight_dev *weight_devs;
    size_t n_weight_devs;
    struct cg_rate_dev *throttle[4]; /* CG_THROTTLE_* */
    size_t n_throttle[4];

    struct cg_hugepage *hugepages;
    size_t n_hugepages;

    bool has_devices; /* the spec gave linux.resources.devices */
    struct cg_dev_rule *devices;
    size_t n_devices;

    struct cg_kv *unified;
    size_t n_unified;
};
enum { CG_THROTTLE_READ_BPS, CG_THROTTLE_WRITE_BPS, CG_THROTTLE_READ_IOPS,
       CG_THROTTLE_WRITE_IOPS };

/* One mounted hierarchy and the container's cgroup on it. */
struct cg_hier {
    int version;    /* 1 or 2 */
    char dev[32];   /* major:minor of the mount, to skip second mounts */
    char *mount;    /* where it is mounted */
    char *root;     /* the mount's root inside the hierarchy */
    char *ctrls;    /* comma list: "cpu,cpuacct", "name=systemd", v2's */
    char *path;     /* the container's cgroup inside the hierarchy */
    char *dir;      /* mount + path: the directory itself */
    size_t made;    /* levels cg_create made: the leaf, its parent... */
};

struct cgroup {
    struct cg_hier *h;
    size_t n;
    enum cg_mode mode;
    char *recorded; /* what cg_path hands out */
};

/* Hierarchies from mountinfo text (v2 controllers are left empty). */
int cg_hiers_parse(const char *mountinfo, struct cg_hier **out, size_t *n,
                   struct err *e);
/* Hierarchies of this process, v2 controllers read from the mount. */
int cg_hiers_scan(struct cg_hier **out, size_t *n, struct err *e);
void cg_hiers_free(struct cg_hier *h, size_t n);
enum cg_mode cg_hiers_mode(const struct cg_hier *h, size_t n);
bool cg_hier_has(const struct cg_hier *h, const char *ctrl);
/* The hierarchy that provides controller ctrl: a v1 one first, else v2. */
struct cg_hier *cg_find(const struct cgroup *cg, const char *ctrl);
/* This process's own cgroup on h, from /proc/self/cgroup text. */
int cg_own_path(const char *proc_cgroup, const struct cg_hier *h, char **out,
                struct err *e);
/* The path cg_create uses: cgroups_path, systemd's form turned into a
 * path, or the default for id. */
int cg_spec_path(const char *cgroups_path, const char *id, bool systemd,
                 char **out, struct err *e);
/* No "." or ".." parts, not the root. */
int cg_check_path(const char *path, struct err *e);
/* Every h->path from path (relative: under this process's own cgroups),
 * then cg->recorded. */
int cg_resolve(struct cgroup *cg, const char *path, struct err *e);
/* rmdir the levels cg_create made of h->dir, from level from (0: the leaf)
 * up, stopping at one that is not empty. */
void cg_remove_made(const struct cg_hier *h, size_t from);
/* h->dir from h->path. */
int cg_set_dir(struct cg_hier *h, struct err *e);
/* "slice:prefix:name" as a path: "/a.slice/a-b.slice/prefix-name.scope". */
int cg_systemd_path(const char *spec, char **out, struct err *e);

/* cgroupfs files: errors name the file and the value. */
int cg_write(const char *dir, const char *file, const char *val,
             struct err *e);
int cg_writef(const char *dir, const char *file, struct err *e,
              const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The file's content without its trailing newline. */
int cg_read(const char *dir, const char *file, char *buf, size_t len,
            struct err *e);
bool cg_exists(const char *dir, const char *file);
/* A whole proc or cgroupfs file (their sizes read 0), NUL-terminated. */
int cg_slurp(const char *path, char **out, size_t *len, struct err *e);
/* Join a and b with one '/': malloc'd, NULL when out of memory. */
char *cg_join(const char *a, const char *b);

/* "config.json: where.key: what". */
int cg_field_err(struct err *e, const char *where, const char *key,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Members of linux.resources (where) into r. */
int cg_parse_blkio(json_object *blkio, const char *where,
                   struct cg_resources *r, struct err *e);
int cg_parse_hugepages(json_object *limits, const char *where,
                       struct cg_resources *r, struct err *e);
int cg_parse_devices(json_object *devices, const char *where,
                     struct cg_resources *r, struct err *e);

/* Does r set a member of controller ctrl ("memory", "cpu", "io" or
 * "blkio", ...)? Want: that, or a unified file of ctrl. */
bool cg_resources_sets(const struct cg_resources *r, const char *ctrl);
bool cg_resources_want(const struct cg_resources *r, const char *ctrl);
/* The rules the container gets: deny all, the spec's default devices, then
 * r's rules (r may be NULL). Malloc'd. */
int cg_device_rules(const struct cg_resources *r, struct cg_dev_rule **out,
                    size_t *n, struct err *e);

/* Per version: apply what r sets for one controller on the directory. */
/* cpuset and pids: the same files on v1 and v2. */
int cg_apply_cpuset_pids(const char *ctrl, const char *dir,
                         const struct cg_resources *r, struct err *e);
int cg_v1_apply(const char *ctrl, const char *dir,
                const struct cg_resources *r, struct err *e);
int cg_v1_devices(const char *dir, const struct cg_dev_rule *rules, size_t n,
                  struct err *e);
int cg_v1_cpuset_inherit(const char *parent, const char *dir, struct err *e);
int cg_v1_freeze(const char *dir, bool frozen, struct err *e);
int cg_v2_apply(const char *ctrl, const char *dir,
                const struct cg_resources *r, struct err *e);
int cg_v2_unified(const char *dir, const struct cg_resources *r,
                  struct err *e);
int cg_v2_freeze(const char *dir, bool frozen, struct err *e);
/* Replace the device filter attached to the v2 cgroup directory. */
int cg_bpf_devices(const char *dir, const struct cg_dev_rule *rules, size_t n,
                   struct err *e);

#endif
