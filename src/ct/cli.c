/* `cella ct run`: a container from a rootfs directory, an image tarball or
 * the default busybox rootfs, with podman-like options. It writes a bundle
 * and runs it with the OCI runtime's container_run. */
#include "ct/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "ct/bundle.h"
#include "ct/rootfs.h"
#include "oci/container.h"
#include "oci/cmd/opts.h"
#include "oci/selfexe.h"

#define CT_STATE_ROOT "/run/cella"
#define CT_BUNDLES "/run/cella-ct"
#define CT_ROOTFS_CACHE "/var/lib/cella/rootfs"

static void usage(FILE *f)
{
    fputs("usage: cella ct run [options] -- CMD [ARG...]\n\n"
          "  --rootfs DIR        the container's root (default: busybox)\n"
          "  --image TARBALL     unpack this tarball as the root\n"
          "  --memory SIZE       memory limit (e.g. 64M)\n"
          "  --cpus F            CPU time limit in CPUs (e.g. 0.5)\n"
          "  --pids N            process limit\n"
          "  --net none|host     own empty network (default) or the host's\n"
          "  --hostname NAME\n"
          "  -v HOST:CT[:ro]     bind a host path into the container\n"
          "  -e NAME=VALUE       environment\n"
          "  -t                  a terminal\n", f);
}

struct run_args {
    const char *rootfs, *image, *memory, *cpus, *pids, *net, *hostname;
    struct strs volumes, env;
    bool tty, help;
};

static int check(const struct run_args *r, struct ct_opts *o, struct err *e)
{
    if (r->rootfs && r->image)
        return err_set(e, 0, "ct run: --rootfs and --image are exclusive");
    if (r->memory && parse_size(r->memory, &o->memory, e) < 0)
        return err_set(e, 0, "--memory '%s': expected a size (e.g. 64m)",
                       r->memory);
    if (r->cpus) {
        char *end;
        o->cpus = strtod(r->cpus, &end);
        if (*end || end == r->cpus || !(o->cpus > 0) || o->cpus > 4096)
            return err_set(e, 0, "--cpus '%s': expected a positive number",
                           r->cpus);
    }
    if (r->pids && parse_int(r->pids, 1, 1 << 22, &o->pids, "--pids", e) < 0)
        return -1;
    if (r->net && strcmp(r->net, "none") && strcmp(r->net, "host"))
        return err_set(e, 0, "--net '%s': expected none or host", r->net);
    o->host_net = r->net && !strcmp(r->net, "host");
    o->tty = r->tty;
    for (int i = 0; i < r->volumes.n; i++)
        o->volumes[o->nvolumes++] = r->volumes.v[i];
    for (int i = 0; i < r->env.n; i++)
        o->env[o->nenv++] = r->env.v[i];
    return 0;
}

/* The rootfs to use: made, unpacked or given. */
static int pick_rootfs(const struct run_args *r, const char *bundle,
                       struct ct_opts *o, char *path, size_t size,
                       struct err *e)
{
    if (r->image) {
        snprintf(path, size, "%s/rootfs", bundle);
        return ct_unpack_image(r->image, path, e);
    }
    if (r->rootfs) {
        struct stat sb;
        if (!realpath(r->rootfs, path) || stat(path, &sb) < 0)
            return err_set(e, errno, "--rootfs %s", r->rootfs);
        if (!S_ISDIR(sb.st_mode))
            return err_set(e, 0, "--rootfs %s: not a directory", r->rootfs);
        return 0;
    }
    o->rootfs_readonly = true;
    return ct_default_rootfs(CT_ROOTFS_CACHE, path, size, e);
}

static int ct_run(int argc, char **argv, char **whole_argv, struct err *e)
{
    struct run_args r = {0};
    const struct opt opts[] = {
        {"rootfs", 0, OPT_STR, &r.rootfs}, {"image", 0, OPT_STR, &r.image},
        {"memory", 'm', OPT_STR, &r.memory}, {"cpus", 0, OPT_STR, &r.cpus},
        {"pids", 0, OPT_STR, &r.pids},     {"net", 0, OPT_STR, &r.net},
        {"hostname", 0, OPT_STR, &r.hostname},  {"volume", 'v', OPT_STRS, &r.volumes},
        {"env", 'e', OPT_STRS, &r.env},    {"tty", 't', OPT_FLAG, &r.tty},
        {"help", 'h', OPT_FLAG, &r.help},  {0},
    };
    struct ct_opts o = {0};
    int i = 1;
    if (opts_parse("ct run", argc, argv, &i, opts, e) < 0)
        return -1;
    if (r.help) {
        usage(stdout);
        return 0;
    }
    if (i >= argc)
        return err_set(e, 0, "ct run: no command given (cella ct run -- CMD)");
    o.hostname = r.hostname;
    o.args = argv + i;
    if (check(&r, &o, e) < 0 || selfexe_ensure(whole_argv, e) < 0)
        return -1;

    uint8_t rnd[6];
    if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
        return err_set(e, errno, "getrandom");
    char id[32], bundle[PATH_MAX], rootfs[PATH_MAX + 16];
    snprintf(id, sizeof id, "ct-%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
             rnd[2], rnd[3], rnd[4], rnd[5]);
    snprintf(bundle, sizeof bundle, "%s/%s", CT_BUNDLES, id);
    if ((mkdir(CT_BUNDLES, 0700) < 0 && errno != EEXIST) ||
        mkdir(bundle, 0700) < 0)
        return err_set(e, errno, "bundle %s", bundle);
    int status = -1;
    if (pick_rootfs(&r, bundle, &o, rootfs, sizeof rootfs, e) == 0) {
        o.rootfs = rootfs;
        struct run_opts run = {.create = {.root = CT_STATE_ROOT, .id = id,
                                          .bundle = bundle,
                                          .listen_fds = create_listen_fds()}};
        if (ct_write_bundle(&o, bundle, e) == 0)
            status = container_run(&run, e);
    }
    ct_remove_tree(bundle);
    return status;
}

int ct_main(int argc, char **argv, char **whole_argv)
{
    struct err e = {0};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    if (strcmp(argv[1], "run")) {
        fprintf(stderr, "cella: ct: unknown command '%s' (try 'cella ct "
                "--help')\n", argv[1]);
        return 1;
    }
    int r = ct_run(argc - 1, argv + 1, whole_argv, &e);
    if (r < 0) {
        err_print(&e);
        return 1;
    }
    return r;
}
