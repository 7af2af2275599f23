/* `cella vm run` options -> struct vm_config, then run the machine. */
#include "vm/cli.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "vm/config.h"
#include "vm/ctl.h"
#include "vm/machine.h"

#define DEFAULT_MEM (256ull << 20)
#define DEFAULT_APPEND "console=ttyS0 quiet panic=-1"

static const char usage_text[] =
    "usage: cella vm run [options]\n"
    "       cella vm status|pause|resume|stop|migrate-cancel --api PATH\n"
    "\n"
    "  --kernel FILE    Linux Image or ELF to boot (default: the guest in\n"
    "                   guest/out, or $CELLA_GUEST_DIR)\n"
    "  --initrd FILE    initial ramdisk\n"
    "  --append STR     kernel command line\n"
    "  --bios FILE|none firmware run in M-mode (default none: the monitor\n"
    "                   answers SBI calls itself)\n"
    "  --mem SIZE       guest RAM, e.g. 256M, 2G (default 256M)\n"
    "  --cpus N         number of harts, 1-8 (default 1)\n"
    "  --engine jit|interp\n"
    "                   how guest code runs: translated to host code where\n"
    "                   it can be (default), or interpreted only\n"
    "  --perf-map       name the translated code in /tmp/perf-PID.map, so\n"
    "                   that perf report shows samples in it by guest\n"
    "                   address (rv:0x...)\n"
    "  --disk PATH[,readonly][,serial=S]\n"
    "                   a raw disk image as a virtio-blk disk (/dev/vda,\n"
    "                   /dev/vdb... in order)\n"
    "  --net user[,hostfwd=tcp:HADDR:HPORT-:GPORT...][,mac=M]\n"
    "  --net tap,ifname=NAME[,mac=M]\n"
    "  --net none       a virtio-net interface: user networking (DHCP,\n"
    "                   DNS, NAT; the host is 10.0.2.2), a host tap device,\n"
    "                   or none\n"
    "  --share DIR,tag=NAME[,readonly]\n"
    "                   a host folder over 9P: in the guest, mount -t 9p\n"
    "                   -o trans=virtio NAME /mnt\n"
    "  --dump-dtb FILE  write the device tree to FILE and exit\n"
    "  --restore DIR    resume the machine saved in snapshot DIR (its\n"
    "                   config comes from the snapshot; --disk, --net and\n"
    "                   --share may be given again, the same devices in the\n"
    "                   same order, to point elsewhere; --engine too)\n"
    "  --incoming tcp:ADDR:PORT|unix:PATH\n"
    "                   wait there for a machine a running one migrates\n"
    "                   here, then run it (its config comes from the\n"
    "                   source: --mem and --cpus, if given, must match it;\n"
    "                   --disk, --net, --share and --engine as with\n"
    "                   --restore)\n"
    "  --api PATH       serve the control API (HTTP/1.1, JSON) on a unix\n"
    "                   socket made at PATH (curl --unix-socket PATH\n"
    "                   http://localhost/machine)\n"
    "\n"
    "verbs, through a running machine's --api PATH:\n"
    "  status           print the machine as JSON: state, config, harts,\n"
    "                   devices with their counters, uptime\n"
    "  pause            stop every hart and the device I/O; print the state\n"
    "  resume           go on from there; print the state\n"
    "  stop             end the machine (it exits 0)\n"
    "  snapshot DIR [--stop] [--force]\n"
    "                   pause, save the machine to DIR (made if missing;\n"
    "                   one holding a snapshot only with --force), then\n"
    "                   resume, or end it with --stop; --restore DIR\n"
    "                   resumes it later\n"
    "  migrate URI [--downtime MS] [--max-bandwidth RATE]\n"
    "                   move the running machine to one waiting with\n"
    "                   --incoming URI: copy its RAM while it runs (at most\n"
    "                   RATE bytes a second, e.g. 100M, if given), then\n"
    "                   pause it for about MS ms at most (default 50) for\n"
    "                   the rest; print the result as JSON; the machine\n"
    "                   here exits 0 once the target runs it, and runs on\n"
    "                   if the migration fails\n"
    "  migrate-cancel   stop a migration in progress (the machine runs on)\n"
    "\n"
    "exit status: 0 guest powered off, 1 error (or stopped by a signal),\n"
    "3 guest rebooted, 4 guest reported failure\n"
    "console: Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A; every machine\n"
    "also has a virtio console (console=hvc0) and a virtio-rng\n";

/* The default guest: $CELLA_GUEST_DIR, else guest/out beside the build
 * directory that holds this binary. */
static int default_guest(char *dir, size_t size, struct err *e)
{
    const char *env = getenv("CELLA_GUEST_DIR");
    if (env) {
        snprintf(dir, size, "%s", env);
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n < 0)
        return err_set(e, 0, "cannot find the default guest: use --kernel");
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = 0;
    if ((size_t)snprintf(dir, size, "%.*s/../guest/out", (int)(size - 14),
                         exe) >= size)
        return err_set(e, 0, "cannot find the default guest: use --kernel");
    return 0;
}

/* Devices keep their option strings; each device parses its own. */
static int add_dev(struct vm_config *c, int opt, const char *arg,
                   struct err *e)
{
    if (opt == 'N' && !strcmp(arg, "none"))
        return 0;
    if (c->ndevs >= VM_MAX_DEVS)
        return err_set(e, 0, "too many devices (at most %d disks, networks "
                       "and shares)", VM_MAX_DEVS);
    c->devs[c->ndevs++] = (struct vm_dev_arg){
        opt == 'D' ? VM_DEV_DISK : opt == 'N' ? VM_DEV_NET : VM_DEV_SHARE,
        arg,
    };
    return 0;
}

static int parse(int argc, char **argv, struct vm_config *c, char *kbuf,
                 char *ibuf, size_t bufsz, struct err *e)
{
    static const struct option opts[] = {
        {"kernel", required_argument, 0, 'k'},
        {"initrd", required_argument, 0, 'i'},
        {"append", required_argument, 0, 'a'},
        {"bios", required_argument, 0, 'b'},
        {"mem", required_argument, 0, 'm'},
        {"cpus", required_argument, 0, 'c'},
        {"engine", required_argument, 0, 'e'},
        {"perf-map", no_argument, 0, 'P'},
        {"dump-dtb", required_argument, 0, 'd'},
        {"api", required_argument, 0, 'A'},
        {"disk", required_argument, 0, 'D'},
        {"net", required_argument, 0, 'N'},
        {"share", required_argument, 0, 'S'},
        {"restore", required_argument, 0, 'R'},
        {"incoming", required_argument, 0, 'I'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    long cpus;
    /* The options a restored or incoming machine takes from elsewhere:
     * the first one given, to name in the refusal; --mem and --cpus may be
     * given to an incoming one, to check. */
    int boot_opt = 0, size_opt = 0;
    bool mem_given = false, cpus_given = false;
    memset(c, 0, sizeof *c);
    c->mem_size = DEFAULT_MEM;
    c->cpus = 1;
    opterr = 0;
    optind = 1;
    int o;
    while ((o = getopt_long(argc, argv, ":h", opts, 0)) != -1) {
        if (o > 0 && strchr("kiabd", o) && !boot_opt)
            boot_opt = o;
        if (o > 0 && strchr("mc", o) && !size_opt)
            size_opt = o;
        switch (o) {
        case 'R': c->restore = optarg; break;
        case 'I': c->incoming = optarg; break;
        case 'k': c->kernel = optarg; break;
        case 'i': c->initrd = optarg; break;
        case 'a': c->append = optarg; break;
        case 'b': c->bios = strcmp(optarg, "none") ? optarg : 0; break;
        case 'd': c->dump_dtb = optarg; break;
        case 'A': c->api = optarg; break;
        case 'D':
        case 'N':
        case 'S':
            if (add_dev(c, o, optarg, e) < 0)
                return -1;
            break;
        case 'm':
            mem_given = true;
            if (parse_size(optarg, &c->mem_size, e) < 0)
                return -1;
            if (c->mem_size < VM_MIN_MEM || c->mem_size > VM_MAX_MEM)
                return err_set(e, 0, "--mem %s out of range (1M-64G)", optarg);
            if (c->mem_size & 0xfff)
                return err_set(e, 0, "--mem %s is not a multiple of 4K",
                               optarg);
            break;
        case 'c':
            cpus_given = true;
            if (parse_int(optarg, 1, VM_MAX_CPUS, &cpus, "--cpus", e) < 0)
                return -1;
            c->cpus = (unsigned)cpus;
            break;
        case 'e':
            if (strcmp(optarg, "jit") && strcmp(optarg, "interp"))
                return err_set(e, 0, "--engine %s: not jit or interp",
                               optarg);
            c->interpret = !strcmp(optarg, "interp");
            break;
        case 'P':
            c->perf_map = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            exit(0);
        case ':':
            return err_set(e, 0, "option '%s' needs a value",
                           argv[optind - 1]);
        default:
            return err_set(e, 0, "unknown option '%s' (try 'cella vm run "
                           "--help')", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return err_set(e, 0, "unexpected argument '%s'", argv[optind]);
    if (c->restore && c->incoming)
        return err_set(e, 0, "--restore and --incoming cannot be given "
                       "together");
    if (c->restore && !boot_opt)
        boot_opt = size_opt;
    for (const struct option *opt = opts; boot_opt && opt->name; opt++)
        if (opt->val == boot_opt && (c->restore || c->incoming))
            return err_set(e, 0, "--%s takes the machine's config from %s: "
                           "--%s cannot be given with it",
                           c->restore ? "restore" : "incoming",
                           c->restore ? "the snapshot" : "the source",
                           opt->name);
    if (c->restore || c->incoming) {
        /* 0: as the machine was */
        if (!mem_given)
            c->mem_size = 0;
        if (!cpus_given)
            c->cpus = 0;
        return 0;
    }
    /* A bare-metal program given as --bios runs alone; otherwise a missing
     * --kernel means the default guest. */
    if (!c->kernel && !(c->bios && !c->initrd && !c->append &&
                        strstr(c->bios, ".elf"))) {
        char dir[PATH_MAX - 32];
        if (default_guest(dir, sizeof dir, e) < 0)
            return -1;
        snprintf(kbuf, bufsz, "%.*s/Image", (int)(bufsz - 32), dir);
        c->kernel = kbuf;
        if (!c->initrd) {
            snprintf(ibuf, bufsz, "%.*s/initramfs.cpio.gz", (int)(bufsz - 32),
                     dir);
            c->initrd = ibuf;
        }
        if (!c->append)
            c->append = DEFAULT_APPEND;
        if (access(kbuf, R_OK) != 0)
            return err_set(e, 0, "no default guest at '%s' (run 'make guest' "
                           "or use --kernel)", dir);
    }
    return 0;
}

static int vm_run(int argc, char **argv)
{
    struct vm_config c;
    struct err e = {0};
    static char kbuf[PATH_MAX], ibuf[PATH_MAX];
    if (parse(argc, argv, &c, kbuf, ibuf, sizeof kbuf, &e) < 0) {
        err_print(&e);
        return EXIT_ERROR;
    }
    int status = machine_run(&c, &e);
    if (status < 0) {
        err_print(&e);
        return EXIT_ERROR;
    }
    return status;
}

int vm_main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_ERROR : 0;
    }
    if (!strcmp(argv[1], "run"))
        return vm_run(argc - 1, argv + 1);
    if (vm_ctl_is_verb(argv[1]))
        return vm_ctl(argc - 1, argv + 1);
    fprintf(stderr, "cella: unknown vm command '%s' (try 'cella vm --help')\n",
            argv[1]);
    return EXIT_ERROR;
}
