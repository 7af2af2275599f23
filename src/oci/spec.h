/* A bundle's config.json, loaded and checked whole before anything is
 * created: every module parses its part here, so bad input fails first. */
#ifndef CELLA_OCI_SPEC_H
#define CELLA_OCI_SPEC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "oci/hooks.h"
#include "oci/ns.h"
#include "oci/process.h"

struct err;
struct oci_rootfs;
struct oci_seccomp;
struct cg_resources;

struct oci_sysctl {
    const char *key, *value;
};

struct oci_spec {
    json_object *json;            /* owns every string below */
    char bundle[PATH_MAX];        /* absolute */
    const char *oci_version;
    const char *hostname, *domainname;
    struct oci_process process;
    struct oci_rootfs *rootfs;
    struct oci_ns ns;
    struct oci_sysctl *sysctl;
    size_t nsysctl;
    const char *cgroups_path;     /* NULL: the default */
    struct cg_resources *resources;  /* NULL: none */
    struct oci_seccomp *seccomp;     /* NULL: none */
    struct oci_hooks hooks;
    json_object *annotations;     /* NULL: none */
};

/* The default config.json: a container running sh as root with the usual
 * mounts, namespaces and the capabilities container engines give. */
extern const char oci_default_spec[];

/* Read BUNDLE/config.json and check it. */
int spec_load(const char *bundle, struct oci_spec *s, struct err *e);
void spec_free(struct oci_spec *s);

/* Parse JSON text (a --process file or config.json), the error naming
 * what (the file) and where the syntax broke. */
json_object *spec_parse_text(const char *text, const char *what,
                             struct err *e);
/* The same for the file at path. */
json_object *spec_parse_file(const char *path, const char *what,
                             struct err *e);

#endif
