/* `cella oci` (also `cella-oci`): global options and the command table of
 * an OCI runtime with runc's command line. */
#include "oci/cmd/cli.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "oci/cmd/cmd.h"
#include "oci/cmd/opts.h"
#include "oci/log.h"
#include "oci/selfexe.h"

#define OCI_VERSION_STRING "cella 0.1.0\nspec: 1.2.0\n"

static const struct {
    const char *name;
    int (*fn)(struct oci_ctx *, int, char **, struct err *);
    bool sealed;            /* runs from the sealed copy of the binary */
    const char *help;
} commands[] = {
    {"create", cmd_create, true, "create a container from a bundle"},
    {"start", cmd_start, false, "start a created container"},
    {"run", cmd_run, true, "create and start a container"},
    {"state", cmd_state, false, "print a container's state"},
    {"kill", cmd_kill, false, "send a signal to a container's init"},
    {"delete", cmd_delete, false, "delete a container"},
    {"list", cmd_list, false, "list containers"},
    {"ps", cmd_ps, false, "list a container's processes"},
    {"pause", cmd_pause, false, "freeze a container's processes"},
    {"resume", cmd_resume, false, "thaw a paused container"},
    {"update", cmd_update, false, "change a container's resource limits"},
    {"events", cmd_events, false, "print a container's resource usage"},
    {"exec", cmd_exec, true, "run a process in a container"},
    {"spec", cmd_spec, false, "write a default config.json"},
    {"features", cmd_features, false, "print what this runtime supports"},
};

static void usage(FILE *f)
{
    fputs("usage: cella oci [global options] <command> [options] [ID]\n"
          "       (also as cella-oci; the command line of runc)\n\n"
          "global options:\n"
          "  --root DIR            container state (default /run/cella)\n"
          "  --log FILE            log file\n"
          "  --log-format text|json\n"
          "  --systemd-cgroup      cgroupsPath is slice:prefix:name\n"
          "  --cgroup-manager cgroupfs|systemd|disabled\n"
          "                        disabled: no cgroup, no limits\n"
          "  --debug               log progress too\n"
          "  --version\n\ncommands:\n", f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
}

int oci_main(int argc, char **argv, char **whole_argv)
{
    struct err e = {0};
    struct oci_ctx c = {.root = "/run/cella"};
    const char *log_path = NULL, *log_format = "text", *log_level = NULL,
               *manager = NULL;
    bool version = false, help = false;
    const struct opt global[] = {
        {"root", 0, OPT_STR, &c.root},
        {"log", 0, OPT_STR, &log_path},
        {"log-format", 0, OPT_STR, &log_format},
        {"log-level", 0, OPT_STR, &log_level},
        {"systemd-cgroup", 0, OPT_FLAG, &c.systemd_cgroup},
        {"cgroup-manager", 0, OPT_STR, &manager},
        {"debug", 0, OPT_FLAG, &c.debug},
        {"version", 'v', OPT_FLAG, &version},
        {"help", 'h', OPT_FLAG, &help},
        {0},
    };
    int i = 1;
    if (opts_parse("cella oci", argc, argv, &i, global, &e) < 0) {
        err_print(&e);
        return 1;
    }
    if (version) {
        fputs(OCI_VERSION_STRING, stdout);
        return 0;
    }
    if (help || i >= argc || !strcmp(argv[i], "help")) {
        usage(help || i < argc ? stdout : stderr);
        return help || i < argc ? 0 : 1;
    }
    if (strcmp(log_format, "text") && strcmp(log_format, "json")) {
        fprintf(stderr, "cella: --log-format: '%s' is not text or json\n",
                log_format);
        return 1;
    }
    if (manager && !strcmp(manager, "systemd"))
        c.systemd_cgroup = true;
    else if (manager && !strcmp(manager, "disabled"))
        c.no_cgroup = true;
    else if (manager && strcmp(manager, "cgroupfs")) {
        fprintf(stderr, "cella: --cgroup-manager: '%s' is not cgroupfs, "
                "systemd or disabled\n", manager);
        return 1;
    }
    if (log_level && !strcmp(log_level, "debug"))
        c.debug = true;
    if (log_open(log_path, !strcmp(log_format, "json"), c.debug, &e) < 0) {
        err_print(&e);
        return 1;
    }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        if (strcmp(argv[i], commands[k].name))
            continue;
        if (commands[k].sealed && selfexe_ensure(whole_argv, &e) < 0) {
            log_error(&e);
            return 1;
        }
        int r = commands[k].fn(&c, argc - i, argv + i, &e);
        if (r < 0) {
            log_error(&e);
            return 1;
        }
        return r;
    }
    fprintf(stderr, "cella: oci: unknown command '%s' (try 'cella oci "
            "--help')\n", argv[i]);
    return 1;
}
