/* The bundle `cella ct run` writes: config.json from the runtime's
 * default spec, changed by the friendly options. */
#ifndef CELLA_CT_BUNDLE_H
#define CELLA_CT_BUNDLE_H

#include <stdbool.h>
#include <stdint.h>

struct err;

struct ct_opts {
    const char *rootfs;            /* absolute */
    bool rootfs_readonly;          /* the shared default rootfs */
    uint64_t memory;               /* bytes, 0: no limit */
    double cpus;                   /* 0: no limit */
    long pids;                     /* 0: no limit */
    bool host_net;
    const char *hostname;          /* NULL: "cella" */
    const char *volumes[32];       /* HOST:CT[:ro] */
    int nvolumes;
    const char *env[64];           /* K=V */
    int nenv;
    bool tty;
    char **args;                   /* NULL-terminated */
};

/* Check the options that can be wrong (volumes, env) and write
 * dir/config.json. */
int ct_write_bundle(const struct ct_opts *o, const char *dir, struct err *e);

#endif
