/* The container's process (config.json "process", or exec's --process
 * file): what it runs, as whom, with which limits, and the last steps the
 * init (or an exec'd process) takes before execve. */
#ifndef CELLA_OCI_PROCESS_H
#define CELLA_OCI_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "oci/caps.h"

struct err;
struct oci_seccomp;

struct oci_rlimit {
    int resource;            /* RLIMIT_* */
    uint64_t soft, hard;
};

struct oci_process {
    bool terminal;
    unsigned console_rows, console_cols;   /* 0: leave as is */
    uid_t uid;
    gid_t gid;
    gid_t *additional_gids;
    size_t n_additional_gids;
    bool has_umask;
    mode_t umask;
    const char **args;       /* NULL-terminated, at least one */
    size_t nargs;
    const char **env;        /* NULL-terminated (maybe empty) */
    size_t nenv;
    const char *cwd;         /* absolute */
    struct oci_caps caps;
    struct oci_rlimit *rlimits;
    size_t nrlimits;
    bool no_new_privileges;
    bool has_oom_score_adj;
    int oom_score_adj;
};

/* Parse a "process" object (where names it in messages: "process").
 * Checks everything a later step needs (args non-empty, cwd absolute,
 * rlimit names known, capability names) so that bad input fails before
 * anything is created. Strings point into the tree. */
int process_parse(json_object *process, const char *where,
                  struct oci_process *p, struct err *e);
void process_free(struct oci_process *p);

/* "RLIMIT_NOFILE" for RLIMIT_NOFILE; "?" for a resource it does not know. */
const char *process_rlimit_name(int resource);

/* Whether args[0] is found (in the process's PATH) and executable here,
 * so that create fails on a missing program as runc's does. */
int process_check_exec(const struct oci_process *p, struct err *e);

/* The process's terminal (process.terminal): a pty sized by the spec
 * whose master goes over sock, the slave its stdio, owned by its user. */
int process_terminal(const struct oci_process *p, int sock, struct err *e);

/* The last steps in the container, in this order: HOME from the
 * container's /etc/passwd when the environment has none, oom_score_adj,
 * rlimits, user (groups, gid, uid, keeping the capabilities the spec asks
 * for), umask, cwd, capabilities, no_new_privileges, seccomp (sc may be NULL),
 * then execve of args[0] looked up in the process's own PATH. Returns only
 * on failure. */
int process_exec(const struct oci_process *p, struct oci_seccomp *sc,
                 struct err *e);

#endif
