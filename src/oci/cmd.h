/* The `cella oci` commands, one function each; argv[0] is the command's
 * name. Each returns the process's exit status, or -1 with e filled. */
#ifndef CELLA_OCI_CMD_H
#define CELLA_OCI_CMD_H

#include <stdbool.h>

struct err;

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

/* The one positional ID after the options (argv[*i]); extra arguments
 * are an error unless more is set. */
int cmd_id(const char *cmd, int argc, char **argv, int i, bool more,
           const char **id, struct err *e);

#endif
