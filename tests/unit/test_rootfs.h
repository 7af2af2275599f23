/* For the rootfs unit tests: a temp tree to build a bundle in, a forked
 * child that prepares (and enters) the rootfs in new namespaces and
 * reports what it found wrong through a pipe, and the checks it runs.
 * Include after cmocka.h, in one test file. */
#ifndef CELLA_TEST_ROOTFS_H
#define CELLA_TEST_ROOTFS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <linux/magic.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/rootfs/rootfs.h"

#define BUSYBOX "/bin/busybox"

static char base[64];            /* the temp dir holding everything */
static char report[16384];       /* what the child wrote */

/* ---- building the test tree ---- */

static void path_in(char *out, size_t size, const char *rel)
{
    snprintf(out, size, "%s/%s", base, rel);
}

static void make_dir(const char *rel)
{
    char p[PATH_MAX];
    path_in(p, sizeof p, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void make_file(const char *rel, const char *text)
{
    char p[PATH_MAX];
    path_in(p, sizeof p, rel);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void make_link(const char *target, const char *rel)
{
    char p[PATH_MAX];
    path_in(p, sizeof p, rel);
    assert_int_equal(symlink(target, p), 0);
}

static void copy_busybox(const char *rel)
{
    char p[PATH_MAX];
    path_in(p, sizeof p, rel);
    int in = open(BUSYBOX, O_RDONLY), out = open(p, O_WRONLY | O_CREAT, 0755);
    assert_true(in >= 0 && out >= 0);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        assert_int_equal(write(out, buf, n), n);
    close(in);
    close(out);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

/* Entries of a host directory (without . and ..), -1 when unreadable. */
static int count_entries(const char *rel)
{
    char p[PATH_MAX];
    path_in(p, sizeof p, rel);
    DIR *d = opendir(p);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *de; (de = readdir(d));)
        n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    closedir(d);
    return n;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, mem);
    fclose(f);
    fclose(mem);
    return text;
}

static int setup(void **state)
{
    (void)state;
    snprintf(base, sizeof base, "/tmp/cella-rootfs-XXXXXX");
    return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    nftw(base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* Why this test cannot run here, or NULL. */
static const char *cannot_run(void)
{
    if (geteuid() != 0)
        return "needs root (mounts in a new mount namespace)";
    if (access(BUSYBOX, X_OK) < 0)
        return BUSYBOX " missing (Debian busybox-static)";
    return NULL;
}

#define SKIP_UNLESS_RUNNABLE()                                               \
    do {                                                                     \
        const char *why = cannot_run();                                      \
        if (why) {                                                           \
            print_message("skipped: %s\n", why);                             \
            skip();                                                          \
        }                                                                    \
    } while (0)

/* ---- the child ---- */

typedef void check_fn(FILE *out);

enum child_ns { NS_MOUNT, NS_USER };

#define FAIL(out, ...) fprintf(out, "FAIL " __VA_ARGS__)

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* uid and gid 0 mapped to the host's 0: a user namespace of its own. */
static int enter_userns(void)
{
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) < 0 ||
        write_file("/proc/self/setgroups", "deny") < 0 ||
        write_file("/proc/self/uid_map", "0 0 1\n") < 0 ||
        write_file("/proc/self/gid_map", "0 0 1\n") < 0)
        return -1;
    return 0;
}

static void child_work(int fd, const struct oci_rootfs *r, bool in_userns,
                       bool enter, bool no_pivot, check_fn *check)
{
    FILE *out = fdopen(fd, "w");
    struct err e = { 0, "" };
    if (rootfs_prepare(r, in_userns, &e) < 0 ||
        (enter && rootfs_enter(r, no_pivot, "/", &e) < 0))
        FAIL(out, "setup: %s: %s\n", e.msg, strerror(e.errnum));
    else
        check(out);
    fprintf(out, "DONE\n");
    fclose(out);
}

static void child(int fd, const struct oci_rootfs *r, enum child_ns ns,
                  bool enter, bool no_pivot, check_fn *check)
{
    if (ns == NS_MOUNT) {
        if (unshare(CLONE_NEWNS) < 0) {
            dprintf(fd, "SKIP unshare(CLONE_NEWNS): %s\n", strerror(errno));
            _exit(0);
        }
        child_work(fd, r, false, enter, no_pivot, check);
        _exit(0);
    }
    if (enter_userns() < 0) {
        dprintf(fd, "SKIP a user namespace: %s\n", strerror(errno));
        _exit(0);
    }
    /* The first child in the new PID namespace is its init. */
    pid_t pid = fork();
    if (pid == 0) {
        child_work(fd, r, true, enter, no_pivot, check);
        _exit(0);
    }
    int status = 0;
    if (pid > 0)
        waitpid(pid, &status, 0);
    _exit(pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

/* Parse spec (from the bundle in base), run check in a child set up as
 * asked, leave what it reported in report. The host's mounts must be the
 * same afterwards. */
static void run(const char *spec_text, enum child_ns ns, bool enter,
                bool no_pivot, check_fn *check)
{
    char bundle[PATH_MAX];
    path_in(bundle, sizeof bundle, "bundle");
    json_object *spec = json_tokener_parse(spec_text);
    assert_non_null(spec);
    struct oci_rootfs *r = NULL;
    struct err e = { 0, "" };
    if (rootfs_parse(spec, bundle, &r, &e) < 0)
        fail_msg("parse: %s: %s", e.msg, strerror(e.errnum));
    json_object_put(spec);

    char *before = read_all("/proc/self/mountinfo");
    int fds[2];
    assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child(fds[1], r, ns, enter, no_pivot, check);
    }
    close(fds[1]);
    size_t len = 0;
    ssize_t n;
    while (len < sizeof report - 1 &&
           (n = read(fds[0], report + len, sizeof report - 1 - len)) > 0)
        len += n;
    report[len] = '\0';
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    rootfs_free(r);

    char *after = read_all("/proc/self/mountinfo");
    assert_non_null(before);
    assert_non_null(after);
    assert_string_equal(before, after);
    free(before);
    free(after);
    if (!strncmp(report, "SKIP ", 5)) {
        print_message("skipped: %s", report + 5);
        skip();
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        strcmp(report, "DONE\n"))
        fail_msg("child (status %d) reported:\n%s", status, report);
}

/* ---- checks inside the container ---- */

static void expect_char(FILE *out, const char *path, unsigned major,
                        unsigned minor, mode_t mode)
{
    struct stat st;
    if (stat(path, &st) < 0)
        FAIL(out, "stat %s: %s\n", path, strerror(errno));
    else if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != major ||
             minor(st.st_rdev) != minor ||
             (mode && (st.st_mode & 07777) != mode))
        FAIL(out, "%s: mode %o rdev %u:%u\n", path, st.st_mode,
             major(st.st_rdev), minor(st.st_rdev));
}

static void expect_errno(FILE *out, const char *what, int rc, int want)
{
    if (rc >= 0)
        FAIL(out, "%s: succeeded, expected %s\n", what, strerror(want));
    else if (errno != want)
        FAIL(out, "%s: %s, expected %s\n", what, strerror(errno),
             strerror(want));
}

static void expect_text(FILE *out, const char *path, const char *want)
{
    char *text = read_all(path);
    if (!text || strcmp(text, want))
        FAIL(out, "%s reads \"%s\", expected \"%s\"\n", path,
             text ? text : strerror(errno), want);
    free(text);
}

static void expect_link(FILE *out, const char *path, const char *want)
{
    char buf[PATH_MAX];
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    if (n < 0 || (buf[n] = '\0', strcmp(buf, want)))
        FAIL(out, "%s links to \"%s\", expected \"%s\"\n", path,
             n < 0 ? strerror(errno) : buf, want);
}

static void expect_mounted(FILE *out, const char *mountinfo,
                           const char *path)
{
    char needle[PATH_MAX + 2];
    snprintf(needle, sizeof needle, " %s ", path);
    if (!mountinfo || !strstr(mountinfo, needle))
        FAIL(out, "%s not in /proc/self/mountinfo\n", path);
}

static void expect_fs(FILE *out, const char *path, long magic)
{
    struct statfs sf;
    if (statfs(path, &sf) < 0 || sf.f_type != magic)
        FAIL(out, "%s is not the file system expected\n", path);
}

static int create(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
    return fd;
}

#endif
