/* The `cella oci` commands, one function (and file) each: argv[0] is the
 * command's name; each parses its options and calls the container
 * library. Each returns the process's exit status, or -1 with e filled. */
#ifndef CELLA_OCI_CMD_CMD_H
#define CELLA_OCI_CMD_CMD_H

#include <stdbool.h>

struct err;
struct oci_state;
struct opt;
struct run_opts;

struct oci_ctx {
    const char *root;        /* --root, default /run/cella */
    bool systemd_cgroup;
    bool no_cgroup;          /* --cgroup-manager disabled */
    bool debug;
};

int cmd_create(struct oci_ctx *c, int argc, char **argv, struct err *e);
int cmd_run(struct oci_ctx *c, int argc, char **argv, struct err *e);
int cmd_start(struct oci_ctx *c, int argc, char **argv, struct err *e);
int cmd_state(struct oci_ctx *c, int argc, char **argv, struct err *e);
int cmd_kill(struct oci_ctx *c, int argc, char **argv, struct err *e);
int cmd_delete(struct oci_ctx *c, int argc, char **argv, struct err *e);
int cmd_list(struct oci_ctx *c, int argc, char **argv, struct err *e);
int cmd_ps(struct oci_ctx *c, int argc, char **argv, struct err *e);
int cmd_pause(struct oci_ctx *c, int argc, char **argv, struct err *e);
int cmd_resume(struct oci_ctx *c, int argc, char **argv, struct err *e);
int cmd_update(struct oci_ctx *c, int argc, char **argv, struct err *e);
int cmd_events(struct oci_ctx *c, int argc, char **argv, struct err *e);
int cmd_exec(struct oci_ctx *c, int argc, char **argv, struct err *e);
int cmd_spec(struct oci_ctx *c, int argc, char **argv, struct err *e);
int cmd_features(struct oci_ctx *c, int argc, char **argv, struct err *e);

/* The one positional ID after the options (argv[i]); extra arguments
 * are an error unless more is set. */
int cmd_id(const char *cmd, int argc, char **argv, int i, bool more,
           const char **id, struct err *e);
/* The options (opts may be NULL: none) and the ID, then the container's
 * state; *next (when non-NULL) is the index after the ID. */
int cmd_load(struct oci_ctx *c, const char *cmd, int argc, char **argv,
             const struct opt *opts, struct oci_state *st, int *next,
             bool more, struct err *e);
/* create's and run's options (run's --detach and --keep too). */
int cmd_create_parse(const char *cmd, struct oci_ctx *c, int argc,
                     char **argv, struct run_opts *o, struct err *e);

#endif
