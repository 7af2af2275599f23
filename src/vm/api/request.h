/* What the control API's HTTP requests ask for: the route of a method and
 * a path, and the check of a body. Pure functions of their input, so that
 * the unit tests and the fuzzer reach them without a machine or a
 * socket. */
#ifndef CELLA_VM_API_REQUEST_H
#define CELLA_VM_API_REQUEST_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_MAX_BODY (64u << 10)    /* a request body's limit, bytes */

enum api_op {
    API_STATUS,         /* GET /machine */
    API_PAUSE,          /* PUT /machine/pause */
    API_RESUME,         /* PUT /machine/resume */
    API_STOP,           /* PUT /machine/stop */
    API_SNAPSHOT,       /* PUT /machine/snapshot */
    API_MIGRATE,        /* PUT /machine/migrate */
    API_MIGRATE_CANCEL, /* PUT /machine/migrate/cancel */
};

/* PUT /machine/snapshot's body: {"path": DIR, "stop": bool, "force":
 * bool}, the last two optional (false). */
struct api_snapshot {
    char path[PATH_MAX];
    bool stop;          /* end the machine after, instead of resuming */
    bool force;         /* replace a snapshot DIR holds */
};

/* PUT /machine/migrate's body: {"uri": URI, "downtime_ms": N,
 * "max_bandwidth": BYTES_PER_S}, the last two optional (max_bandwidth 0:
 * no limit). */
#define API_DOWNTIME_MS 50      /* downtime_ms when not given */
#define API_DOWNTIME_MAX 60000
#define API_MIN_BANDWIDTH (1ll << 20)  /* max_bandwidth's least, bytes/s */
struct api_migrate {
    char uri[512];
    unsigned downtime_ms;
    uint64_t max_bandwidth;
};

/* The operation for method and url: 0 with *op set, or the HTTP status
 * to answer (404 unknown path, 405 wrong method) with *why set to one
 * line. */
int api_route(const char *method, const char *url, enum api_op *op,
              const char **why);

/* A request body, len bytes (not NUL-terminated): none, or one JSON
 * object (white space around it is fine). 0, or the HTTP status with
 * *why set: 413 over API_MAX_BODY, 400 not a JSON object, 500 out of
 * memory. */
int api_check_body(const char *body, size_t len, const char **why);

/* The arguments of a snapshot from its body (checked by api_check_body):
 * 0, or 400 with *why set when path is missing, empty, too long or not a
 * string, a flag is not a boolean, or another member is there. */
int api_snapshot_args(const char *body, size_t len, struct api_snapshot *a,
                      const char **why);

/* The arguments of a migration from its body (checked by
 * api_check_body): 0, or 400 with *why set when uri is missing, empty,
 * too long or not a string, downtime_ms is not an integer from 1 to
 * API_DOWNTIME_MAX, max_bandwidth neither 0 nor an integer from
 * API_MIN_BANDWIDTH up, or another member is there. The uri's form is the
 * migration's to check. */
int api_migrate_args(const char *body, size_t len, struct api_migrate *a,
                     const char **why);

#endif
