/* OCI hooks: parsed from config.json, run with the container's state on
 * stdin, each with its timeout. */
#ifndef CELLA_OCI_HOOKS_H
#define CELLA_OCI_HOOKS_H

#include <stddef.h>

#include <json-c/json.h>

struct err;

enum hook_kind {
    HOOK_PRESTART,
    HOOK_CREATE_RUNTIME,
    HOOK_CREATE_CONTAINER,
    HOOK_START_CONTAINER,
    HOOK_POSTSTART,
    HOOK_POSTSTOP,
    HOOK_KINDS
};

struct oci_hook {
    const char *path;        /* absolute */
    const char **args;       /* NULL-terminated; NULL: just path */
    const char **env;        /* NULL-terminated; NULL ("env" absent): the
                                runtime's own environment, as runc's */
    int timeout;             /* seconds, 0: none */
};

struct oci_hooks {
    struct oci_hook *v[HOOK_KINDS];
    size_t n[HOOK_KINDS];
};

/* Parse the "hooks" object (may be NULL: no hooks). */
int hooks_parse(json_object *hooks, struct oci_hooks *h, struct err *e);
void hooks_free(struct oci_hooks *h);

/* Run every hook of kind k in order, state_json on each one's stdin. The
 * first that fails (non-zero exit, signal, timeout: killed) stops the rest
 * and is the error, named by kind and path. */
int hooks_run(const struct oci_hooks *h, enum hook_kind k,
              const char *state_json, struct err *e);

#endif
