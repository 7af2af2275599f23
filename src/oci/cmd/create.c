/* `create --bundle B [--pid-file P] [--console-socket S] ... ID`: the
 * options it shares with run, then container_create. */
#include <string.h>

#include "base/err.h"
#include "oci/cmd/cmd.h"
#include "oci/cmd/opts.h"
#include "oci/container.h"

int cmd_create_parse(const char *cmd, struct oci_ctx *c, int argc,
                     char **argv, struct run_opts *o, struct err *e)
{
    memset(o, 0, sizeof *o);
    struct create_opts *co = &o->create;
    long preserve_fds = 0;
    co->bundle = ".";
    const struct opt opts[] = {
        {"bundle", 'b', OPT_STR, &co->bundle},
        {"pid-file", 0, OPT_STR, &co->pid_file},
        {"console-socket", 0, OPT_STR, &co->console_socket},
        {"preserve-fds", 0, OPT_INT, &preserve_fds},
        {"no-pivot", 0, OPT_FLAG, &co->no_pivot},
        {"no-new-keyring", 0, OPT_FLAG, &co->no_new_keyring},
        {"detach", 'd', OPT_FLAG, &o->detach},
        {"keep", 0, OPT_FLAG, &o->keep},
        {0},
    };
    int i = 1;
    if (opts_parse(cmd, argc, argv, &i, opts, e) < 0 ||
        cmd_id(cmd, argc, argv, i, false, &co->id, e) < 0)
        return -1;
    co->root = c->root;
    co->systemd_cgroup = c->systemd_cgroup;
    co->no_cgroup = c->no_cgroup;
    co->preserve_fds = (int)preserve_fds;
    co->listen_fds = create_listen_fds();
    return 0;
}

int cmd_create(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    struct run_opts o;
    if (cmd_create_parse("create", c, argc, argv, &o, e) < 0)
        return -1;
    struct oci_state st;
    int master;
    if (container_create(&o.create, &st, &master, e) < 0)
        return -1;
    state_free(&st);
    return 0;
}
