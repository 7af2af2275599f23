/* Containers on disk: one directory per container under --root holding
 * state.json (written atomically), the config it was made from, and the
 * exec fifo the init waits on until `start`. */
#ifndef CELLA_OCI_STATE_H
#define CELLA_OCI_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include <json-c/json.h>

struct err;

#define OCI_ID_MAX 255

struct oci_state {
    char id[OCI_ID_MAX + 1];
    char dir[PATH_MAX];             /* root/id */
    pid_t pid;                      /* the init, as the host sees it */
    unsigned long long start_time;  /* its /proc/PID/stat start time */
    char bundle[PATH_MAX];
    char rootfs[PATH_MAX];
    char created[48];               /* RFC 3339, UTC */
    char owner[64];                 /* "" until state_owner fills it */
    char cgroup[PATH_MAX];          /* cg_path(); "" when none */
    bool systemd_cgroup;
    bool paused;
    unsigned hooks;                 /* 1 << hook_kind for each kind the
                                     * config has: start and delete read
                                     * the config only for those */
    json_object *annotations;       /* owned; NULL: none */
};

enum oci_status { ST_CREATING, ST_CREATED, ST_RUNNING, ST_PAUSED, ST_STOPPED };

/* Letters, digits and "_.+-", not starting with a dot, 1..255 long. */
int state_check_id(const char *id, struct err *e);

/* Make root and its missing parents (mode 0700, as runc does) and the
 * container's directory in it; fails with "container ID already exists". */
int state_make_dir(const char *root, const char *id, struct oci_state *st,
                   struct err *e);
/* Read root/id/state.json; "container ID does not exist" with ENOENT
 * when there is no such container. */
int state_load(const char *root, const char *id, struct oci_state *st,
               struct err *e);
/* Write state.json atomically (a temporary file renamed over it). */
int state_save(const struct oci_state *st, struct err *e);
/* Remove the container's directory and everything in it. */
int state_remove(const struct oci_state *st, struct err *e);
void state_free(struct oci_state *st);

/* The path of a file in the container's directory. */
void state_file(const struct oci_state *st, const char *name, char *out,
                size_t size);

enum oci_status state_status(const struct oci_state *st);
const char *state_status_name(enum oci_status s);
/* The spec's state object (ociVersion, id, status, pid, bundle,
 * annotations; rootfs, created, owner), as JSON text, malloc'd. */
char *state_json(const struct oci_state *st, enum oci_status s);

/* The name of the user who made the container: st->owner when set, else
 * looked up (the owner of its directory), "" when unknown. Looked up when
 * asked for, not at create: the user database costs every start a few
 * file reads. */
void state_owner(const struct oci_state *st, char *out, size_t size);

/* /proc/PID/stat start time, 0 when the process is gone. */
unsigned long long proc_start_time(pid_t pid);

/* Every container id under root, malloc'd (free each, then the vector). */
int state_list(const char *root, char ***ids, size_t *n, struct err *e);

#endif
