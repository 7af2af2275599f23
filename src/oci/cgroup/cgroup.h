/* A container's cgroup on a v1, v2 or hybrid host: where it lives, the
 * limits from linux.resources, and what kill, ps, pause, update and delete
 * need from it. */
#ifndef CELLA_OCI_CGROUP_CGROUP_H
#define CELLA_OCI_CGROUP_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <json-c/json.h>

struct err;
struct cg_resources;       /* linux.resources, parsed and checked */
struct cgroup;             /* one container's cgroup, on every hierarchy */

/* How the host mounts cgroups: v1 controllers only, cgroup2 only, or v1
 * controllers beside a cgroup2 mount (hybrid). */
enum cg_mode { CG_MODE_V1, CG_MODE_V2, CG_MODE_HYBRID };
int cg_host_mode(enum cg_mode *out, struct err *e);

/* Parse linux.resources (memory, cpu, pids, blockIO, devices, hugepage
 * limits, unified): types and ranges checked, nothing touched. where names
 * the object in messages ("linux.resources", or "resources" for update's
 * file). */
int cg_resources_parse(json_object *resources, const char *where,
                       struct cg_resources **out, struct err *e);
void cg_resources_free(struct cg_resources *r);

/* Create the container's cgroup: cgroups_path from the spec (NULL: a
 * default under "cella/<id>"); with systemd, "slice:prefix:name" form.
 * Applies r (may be NULL). Fails when it exists and holds processes. The
 * device rules always go on: deny all, the spec's default devices, then
 * r's linux.resources.devices in order. */
int cg_create(const char *cgroups_path, const char *id, bool systemd,
              const struct cg_resources *r, struct cgroup **out,
              struct err *e);
/* Reopen from the path recorded in the container's state. */
int cg_open(const char *path, struct cgroup **out, struct err *e);
/* The path to record ("/cella/ID" style, the same on every hierarchy).
 * A relative cgroupsPath can land on different paths per hierarchy; the
 * record is then "MOUNT=PATH;MOUNT=PATH...", which cg_open reads too. */
const char *cg_path(const struct cgroup *cg);

int cg_enter(struct cgroup *cg, pid_t pid, struct err *e);
int cg_update(struct cgroup *cg, const struct cg_resources *r, struct err *e);
int cg_freeze(struct cgroup *cg, bool frozen, struct err *e);
/* Every pid in the cgroup, malloc'd. */
int cg_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct err *e);
/* Kill what is left (SIGKILL, thawing first), wait until empty, remove the
 * directories on every hierarchy; on a cgroup from cg_create, also the
 * parent directories it made (those still empty). */
int cg_destroy(struct cgroup *cg, struct err *e);
void cg_close(struct cgroup *cg);

/* Usage figures for `events`; 0 where the host has no such file (and for
 * "max" limits). */
struct cg_stats {
    unsigned long long memory_usage, memory_limit;
    unsigned long long pids_current, pids_limit;
    unsigned long long cpu_usage_ns;
};
int cg_stats(struct cgroup *cg, struct cg_stats *s, struct err *e);

#endif
