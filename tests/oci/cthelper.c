/* cthelper: a static program the OCI end-to-end tests (tests/e2e/test_oci_*)
 * run inside containers. It reports facts about its own process as
 * `key=value` lines (or the raw text of a /proc file) so a test can assert on
 * them, and does a few things a test needs a container to do (sleep, write a
 * file, eat memory, fork). Several commands may follow one another in one
 * run: `cthelper id caps nnp`. Exit status: 0, or the argument of `exit N`,
 * or 2 on a usage error, or 1 when `write`/`open` failed. Built with
 * `cc -static` so it runs in a rootfs holding nothing else. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int status = 0;

static void print_file(const char *path)
{
    char buf[4096];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("error=%s: %s\n", path, strerror(errno));
        return;
    }
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        fwrite(buf, 1, (size_t)n, stdout);
    close(fd);
}

/* Prints the lines of /proc/self/status whose key starts with prefix, as
 * key=value with the value's leading blanks dropped. */
static void print_status(const char *prefix)
{
    char line[512];
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) {
        printf("error=/proc/self/status: %s\n", strerror(errno));
        return;
    }
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!colon || strncmp(line, prefix, strlen(prefix)) != 0)
            continue;
        *colon = '\0';
        char *value = colon + 1;
        value += strspn(value, " \t");
        printf("%s=%s", line, value);
    }
    fclose(f);
}

static void cmd_id(void)
{
    gid_t groups[256];
    int n = getgroups(256, groups);
    mode_t mask = umask(0);
    umask(mask);
    printf("uid=%u\ngid=%u\neuid=%u\negid=%u\ngroups=", getuid(), getgid(), geteuid(),
           getegid());
    for (int i = 0; i < n; i++)
        printf("%s%u", i ? "," : "", groups[i]);
    printf("\numask=%04o\n", mask);
}

static void cmd_ns(void)
{
    DIR *d = opendir("/proc/self/ns");
    struct dirent *de;
    if (!d) {
        printf("error=/proc/self/ns: %s\n", strerror(errno));
        return;
    }
    while ((de = readdir(d))) {
        char path[300], target[256];
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/self/ns/%s", de->d_name);
        ssize_t n = readlink(path, target, sizeof target - 1);
        target[n < 0 ? 0 : n] = '\0';
        printf("ns_%s=%s\n", de->d_name, target);
    }
    closedir(d);
}

static void cmd_limits(void)
{
    static const struct { const char *name; int res; } limits[] = {
        { "nofile", RLIMIT_NOFILE }, { "nproc", RLIMIT_NPROC }, { "core", RLIMIT_CORE },
        { "memlock", RLIMIT_MEMLOCK }, { "stack", RLIMIT_STACK }, { "cpu", RLIMIT_CPU },
        { "as", RLIMIT_AS }, { "fsize", RLIMIT_FSIZE },
    };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        struct rlimit rl;
        getrlimit(limits[i].res, &rl);
        printf("%s=", limits[i].name);
        if (rl.rlim_cur == RLIM_INFINITY)
            printf("unlimited");
        else
            printf("%llu", (unsigned long long)rl.rlim_cur);
        if (rl.rlim_max == RLIM_INFINITY)
            printf(":unlimited\n");
        else
            printf(":%llu\n", (unsigned long long)rl.rlim_max);
    }
}

static void cmd_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int first = 1;
    if (!d) {
        printf("error=/proc/self/fd: %s\n", strerror(errno));
        return;
    }
    printf("fds=");
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d))
            continue;
        printf("%s%s", first ? "" : ",", de->d_name);
        first = 0;
    }
    printf("\n");
    closedir(d);
}

static void report_errno(const char *what, int err)
{
    printf("%s=%s\nerrno=%d\n", what, err ? strerror(err) : "ok", err);
    if (err)
        status = 1;
}

static void cmd_write(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = 0;
    if (fd < 0)
        err = errno;
    else if (write(fd, text, strlen(text)) < 0)
        err = errno;
    if (fd >= 0 && close(fd) < 0 && !err)
        err = errno;
    report_errno("write", err);
}

/* Opens path for reading and says how much it holds: bytes for a file
 * (read up to 1 MiB), entries for a directory. */
static void cmd_open(const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        report_errno("open", errno);
        return;
    }
    report_errno("open", 0);
    fstat(fd, &st);
    if (S_ISDIR(st.st_mode)) {
        DIR *d = fdopendir(fd);
        int n = 0;
        while (d && readdir(d))
            n++;
        printf("entries=%d\n", n - 2);
        if (d)
            closedir(d);
        return;
    }
    char buf[65536];
    long total = 0;
    ssize_t n;
    while (total < (1 << 20) && (n = read(fd, buf, sizeof buf)) > 0)
        total += n;
    printf("bytes=%ld\n", total);
    close(fd);
}

/* Touches memory 1 MiB at a time, saying how far it got every 8 MiB, until
 * killed (or 4 GiB, then hog=done). */
static void cmd_hog(void)
{
    for (long mib = 1; mib <= 4096; mib++) {
        char *p = malloc(1 << 20);
        if (!p) {
            printf("hog=malloc failed at %ld MiB\n", mib);
            return;
        }
        memset(p, 0x5a, 1 << 20);
        if (mib % 8 == 0) {
            printf("hog=%ld\n", mib);
            fflush(stdout);
        }
    }
    printf("hog=done\n");
}

/* Forks n children that wait to be killed; says how many forks worked. */
static void cmd_forkbomb(int n)
{
    pid_t *kids = calloc((size_t)n, sizeof *kids);
    int ok = 0, first_err = 0;
    fflush(stdout);
    for (int i = 0; i < n && kids; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            pause();
            _exit(0);
        }
        if (pid < 0) {
            if (!first_err)
                first_err = errno;
            continue;
        }
        kids[ok++] = pid;
    }
    for (int i = 0; i < ok; i++)
        kill(kids[i], SIGKILL);
    for (int i = 0; i < ok; i++)
        waitpid(kids[i], NULL, 0);
    printf("forked=%d\nfailed=%d\nforkerr=%s\n", ok, n - ok,
           first_err ? strerror(first_err) : "none");
    free(kids);
}

static void cmd_tty(void)
{
    char *name = ttyname(0);
    printf("isatty0=%d\nttyname=%s\n", isatty(0), name ? name : "none");
}

static void cmd_hostname(void)
{
    struct utsname u;
    if (uname(&u) < 0) {
        printf("hostname=error: %s\n", strerror(errno));
        return;
    }
    printf("hostname=%s\ndomainname=%s\n", u.nodename, u.domainname);
}

static int usage(void)
{
    fprintf(stderr, "usage: cthelper CMD [ARGS] [CMD [ARGS]]...\n"
            "  id caps cgroup mounts ns limits nnp seccomp env cwd hostname fds pid tty\n"
            "  sleep N | write PATH TEXT | open PATH | hog | forkbomb N | exit N\n");
    return 2;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2)
        return usage();
    for (int i = 1; i < argc; i++) {
        const char *c = argv[i];
        int left = argc - i - 1;
        char buf[4096];
        if (!strcmp(c, "id"))
            cmd_id();
        else if (!strcmp(c, "caps"))
            print_status("Cap");
        else if (!strcmp(c, "cgroup"))
            print_file("/proc/self/cgroup");
        else if (!strcmp(c, "mounts"))
            print_file("/proc/self/mountinfo");
        else if (!strcmp(c, "ns"))
            cmd_ns();
        else if (!strcmp(c, "limits"))
            cmd_limits();
        else if (!strcmp(c, "nnp"))
            printf("nnp=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
        else if (!strcmp(c, "seccomp"))
            print_status("Seccomp");
        else if (!strcmp(c, "env"))
            for (char **e = environ; *e; e++)
                printf("%s\n", *e);
        else if (!strcmp(c, "cwd"))
            printf("cwd=%s\n", getcwd(buf, sizeof buf) ? buf : strerror(errno));
        else if (!strcmp(c, "hostname"))
            cmd_hostname();
        else if (!strcmp(c, "fds"))
            cmd_fds();
        else if (!strcmp(c, "pid"))
            printf("pid=%d\nppid=%d\n", getpid(), getppid());
        else if (!strcmp(c, "tty"))
            cmd_tty();
        else if (!strcmp(c, "hog"))
            cmd_hog();
        else if (!strcmp(c, "sleep") && left >= 1)
            sleep((unsigned)atoi(argv[++i]));
        else if (!strcmp(c, "write") && left >= 2) {
            cmd_write(argv[i + 1], argv[i + 2]);
            i += 2;
        } else if (!strcmp(c, "open") && left >= 1)
            cmd_open(argv[++i]);
        else if (!strcmp(c, "forkbomb") && left >= 1)
            cmd_forkbomb(atoi(argv[++i]));
        else if (!strcmp(c, "exit") && left >= 1) {
            fflush(stdout);
            return atoi(argv[++i]);
        } else
            return usage();
    }
    fflush(stdout);
    return status;
}
