/* Unit tests of setting up a container's file system view for real: a
 * forked child in its own mount namespace (and, for one test, its own user
 * and PID namespaces) prepares and enters a tiny busybox rootfs, looks
 * around and writes what was wrong through a pipe. The host must be left
 * as it was: same mounts, nothing made outside the rootfs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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
#include "oci/rootfs.h"

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
        (enter && rootfs_enter(r, no_pivot, &e) < 0))
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

static void check_busybox(FILE *out)
{
    fflush(out);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/busybox", "sh", "-c",
              "test \"$(cat /mnt/vol/hello)\" = hello && test -c /dev/null"
              " && ! touch /x 2>/dev/null && ls /proc/self/fd >/dev/null",
              (char *)NULL);
        _exit(127);
    }
    int status = -1;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || status != 0)
        FAIL(out, "busybox sh in the container: status %d\n", status);
}

static char marker[PATH_MAX];    /* a host file the container must not see */
static bool host_cgroup_v1;

static void check_full(FILE *out)
{
    expect_char(out, "/dev/null", 1, 3, 0666);
    expect_char(out, "/dev/zero", 1, 5, 0666);
    expect_char(out, "/dev/tty", 5, 0, 0666);
    expect_char(out, "/dev/fuse", 10, 229, 0600);
    expect_char(out, "/proc/version", 1, 3, 0);
    struct stat st;
    if (stat("/dev/myfifo", &st) < 0 || !S_ISFIFO(st.st_mode))
        FAIL(out, "/dev/myfifo is not a fifo\n");
    expect_link(out, "/dev/fd", "/proc/self/fd");
    expect_link(out, "/dev/stderr", "/proc/self/fd/2");
    expect_link(out, "/dev/ptmx", "pts/ptmx");
    int ptmx = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (ptmx < 0)
        FAIL(out, "open /dev/ptmx: %s\n", strerror(errno));
    else
        close(ptmx);
    expect_fs(out, "/dev", TMPFS_MAGIC);
    expect_fs(out, "/dev/pts", DEVPTS_SUPER_MAGIC);

    expect_text(out, "/mnt/vol/hello", "hello");
    expect_errno(out, "create in the ro bind", create("/mnt/vol/new"), EROFS);
    expect_text(out, "/etc/hostfile", "hello");
    expect_text(out, "/secret", "");
    expect_errno(out, "create in the masked dir", create("/secretdir/x"),
                 EROFS);
    if (access("/secretdir/inside", F_OK) == 0)
        FAIL(out, "/secretdir/inside still visible\n");
    expect_errno(out, "create in the read-only dir", create("/rodir/x"),
                 EROFS);
    expect_errno(out, "write /proc/sys", open("/proc/sys/kernel/hostname",
                                              O_WRONLY | O_CLOEXEC), EROFS);
    expect_errno(out, "mkdir in /", mkdir("/newdir", 0755), EROFS);
    if (create("/dev/shm/x") < 0)
        FAIL(out, "create in /dev/shm: %s\n", strerror(errno));

    expect_fs(out, "/evil/sub", TMPFS_MAGIC);
    expect_fs(out, "/evil2", TMPFS_MAGIC);
    expect_errno(out, "open the host's marker", open(marker, O_RDONLY), ENOENT);

    if (host_cgroup_v1) {
        char want[32];
        snprintf(want, sizeof want, "%d\n", getpid());
        char *procs = read_all("/sys/fs/cgroup/memory/cgroup.procs");
        if (!procs || !strstr(procs, want))
            FAIL(out, "our pid not in /sys/fs/cgroup/memory/cgroup.procs\n");
        free(procs);
        expect_errno(out, "write cgroup.procs",
                     open("/sys/fs/cgroup/memory/cgroup.procs",
                          O_WRONLY | O_CLOEXEC), EROFS);
        expect_fs(out, "/sys/fs/cgroup", TMPFS_MAGIC);
    } else {
        expect_fs(out, "/sys/fs/cgroup", CGROUP2_SUPER_MAGIC);
    }

    char *mi = read_all("/proc/self/mountinfo");
    const char *mounted[] = { "/", "/proc", "/dev", "/dev/pts", "/dev/shm",
                              "/mnt/vol", "/etc/hostfile", "/sys",
                              "/sys/fs/cgroup", "/secret", "/rodir" };
    for (size_t i = 0; i < sizeof mounted / sizeof mounted[0]; i++)
        expect_mounted(out, mi, mounted[i]);
    free(mi);
    check_busybox(out);
}

/* The tree for the full test: bundle/rootfs with busybox, a masked file and
 * directory, a read-only directory, symlinks out of it; a host volume; an
 * outside directory symlinks point at. */
static void build_tree(void)
{
    make_dir("bundle");
    make_dir("bundle/rootfs");
    make_dir("bundle/rootfs/bin");
    copy_busybox("bundle/rootfs/bin/busybox");
    make_dir("bundle/rootfs/etc");
    make_file("bundle/rootfs/secret", "top secret");
    make_dir("bundle/rootfs/secretdir");
    make_file("bundle/rootfs/secretdir/inside", "x");
    make_dir("bundle/rootfs/rodir");
    make_dir("hostvol");
    make_file("hostvol/hello", "hello");
    make_dir("outside");
    make_file("marker", "host only");
    path_in(marker, sizeof marker, "marker");
    char target[PATH_MAX];
    path_in(target, sizeof target, "outside");
    make_link(target, "bundle/rootfs/evil");
    /* Far more ".." than the rootfs is deep, then the host path. */
    snprintf(target, sizeof target, "../../../../../../../..%s/outside/two",
             base);
    make_link(target, "bundle/rootfs/evil2");
}

static void test_full_setup(void **state)
{
    (void)state;
    SKIP_UNLESS_RUNNABLE();
    build_tree();
    struct statfs sf;
    host_cgroup_v1 = statfs("/sys/fs/cgroup", &sf) == 0 &&
                     sf.f_type != CGROUP2_SUPER_MAGIC &&
                     access("/sys/fs/cgroup/memory", F_OK) == 0;
    char spec[8192];
    snprintf(spec, sizeof spec,
        "{\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"mounts\":["
        "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
        "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
        " \"options\":[\"nosuid\",\"strictatime\",\"mode=755\","
        "  \"size=65536k\"]},"
        "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":"
        " \"devpts\",\"options\":[\"nosuid\",\"noexec\",\"newinstance\","
        "  \"ptmxmode=0666\",\"mode=0620\"]},"
        "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
        " \"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\"]},"
        "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
        " \"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
        "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\","
        " \"source\":\"cgroup\",\"options\":[\"nosuid\",\"noexec\",\"nodev\","
        "  \"relatime\",\"ro\"]},"
        "{\"destination\":\"/mnt/vol\",\"type\":\"bind\",\"source\":"
        " \"%s/hostvol\",\"options\":[\"rbind\",\"ro\",\"nosuid\","
        "  \"rprivate\"]},"
        "{\"destination\":\"/etc/hostfile\",\"source\":"
        " \"../hostvol/hello\",\"options\":[\"bind\"]},"
        "{\"destination\":\"/evil/sub\",\"type\":\"tmpfs\"},"
        "{\"destination\":\"/evil2\",\"type\":\"tmpfs\"},"
        "{\"destination\":\"/../../..%s/outside/dd\",\"type\":\"tmpfs\"}],"
        "\"linux\":{\"devices\":["
        " {\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,"
        "  \"fileMode\":384},"
        " {\"path\":\"/dev/myfifo\",\"type\":\"p\"}],"
        "\"maskedPaths\":[\"/proc/kcore\",\"/proc/version\",\"/secret\","
        " \"/secretdir\",\"/nonexistent\"],"
        "\"readonlyPaths\":[\"/proc/sys\",\"/rodir\",\"/nonexistent\"]}}",
        base, base);
    run(spec, NS_MOUNT, true, false, check_full);

    /* Nothing went out of the rootfs: the outside directory is untouched
     * and what the symlinks named was made inside. */
    assert_int_equal(count_entries("outside"), 0);
    char inside[PATH_MAX];
    const char *made[] = { "sub", "two", "dd" };
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++) {
        snprintf(inside, sizeof inside, "bundle/rootfs%s/outside/%s", base,
                 made[i]);
        assert_int_equal(count_entries(inside), 0);
    }
}

static void check_chroot(FILE *out)
{
    expect_char(out, "/dev/null", 1, 3, 0666);
    expect_errno(out, "open the host's marker", open(marker, O_RDONLY), ENOENT);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd) || strcmp(cwd, "/"))
        FAIL(out, "cwd is not /\n");
    check_busybox(out);
}

/* no_pivot: the rootfs moved onto / and chrooted into. */
static void test_no_pivot(void **state)
{
    (void)state;
    SKIP_UNLESS_RUNNABLE();
    make_dir("bundle");
    make_dir("bundle/rootfs");
    make_dir("bundle/rootfs/bin");
    copy_busybox("bundle/rootfs/bin/busybox");
    make_dir("hostvol");
    make_file("hostvol/hello", "hello");
    make_file("marker", "host only");
    path_in(marker, sizeof marker, "marker");
    char spec[2048];
    snprintf(spec, sizeof spec,
        "{\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"mounts\":["
        "{\"destination\":\"/proc\",\"type\":\"proc\"},"
        "{\"destination\":\"/dev\",\"type\":\"tmpfs\"},"
        "{\"destination\":\"/mnt/vol\",\"type\":\"bind\",\"source\":"
        " \"%s/hostvol\",\"options\":[\"rbind\",\"ro\"]}],"
        "\"linux\":{\"rootfsPropagation\":\"rslave\"}}", base);
    run(spec, NS_MOUNT, true, true, check_chroot);
}

static void check_shared(FILE *out)
{
    check_chroot(out);
    char *mi = read_all("/proc/self/mountinfo");
    bool shared = false;
    /* The root's line: "ID PARENT MAJ:MIN ROOT / OPTIONS shared:N ...". */
    for (char *line = mi, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char mountpoint[PATH_MAX] = "";
        sscanf(line, "%*s %*s %*s %*s %4095s", mountpoint);
        if (!strcmp(mountpoint, "/"))
            shared = strstr(line, " shared:") != NULL;
    }
    if (!shared)
        FAIL(out, "/ is not shared\n");
    free(mi);
}

/* rootfsPropagation rshared: pivot_root still works (it refuses shared
 * mounts) and the new root ends up shared. */
static void test_shared_propagation(void **state)
{
    (void)state;
    SKIP_UNLESS_RUNNABLE();
    make_dir("bundle");
    make_dir("bundle/rootfs");
    make_dir("bundle/rootfs/bin");
    copy_busybox("bundle/rootfs/bin/busybox");
    make_dir("hostvol");
    make_file("hostvol/hello", "hello");
    make_file("marker", "host only");
    path_in(marker, sizeof marker, "marker");
    char spec[2048];
    snprintf(spec, sizeof spec,
        "{\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"mounts\":["
        "{\"destination\":\"/proc\",\"type\":\"proc\"},"
        "{\"destination\":\"/dev\",\"type\":\"tmpfs\"},"
        "{\"destination\":\"/mnt/vol\",\"type\":\"bind\",\"source\":"
        " \"%s/hostvol\",\"options\":[\"rbind\",\"ro\"]}],"
        "\"linux\":{\"rootfsPropagation\":\"rshared\"}}", base);
    run(spec, NS_MOUNT, true, false, check_shared);
}

static void check_nothing(FILE *out)
{
    (void)out;
}

/* rootfs/dev is a symlink to a host directory and /dev is not mounted:
 * linux.devices must still land inside the rootfs. */
static void test_dev_symlink_stays_inside(void **state)
{
    (void)state;
    SKIP_UNLESS_RUNNABLE();
    make_dir("bundle");
    make_dir("bundle/rootfs");
    make_dir("xdev");
    char target[PATH_MAX];
    path_in(target, sizeof target, "xdev");
    make_link(target, "bundle/rootfs/dev");
    run("{\"root\":{\"path\":\"rootfs\"},\"linux\":{\"devices\":["
        " {\"path\":\"/dev/testnull\",\"type\":\"c\",\"major\":1,\"minor\":3},"
        " {\"path\":\"/dev/sub/../testfifo\",\"type\":\"p\"}]}}",
        NS_MOUNT, false, false, check_nothing);
    assert_int_equal(count_entries("xdev"), 0);
    char inside[PATH_MAX + 32];
    snprintf(inside, sizeof inside, "%s/bundle/rootfs%s/xdev/testnull", base,
             base);
    struct stat st;
    assert_int_equal(stat(inside, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(st.st_rdev, makedev(1, 3));
}

static void check_userns(FILE *out)
{
    expect_char(out, "/dev/null", 1, 3, 0);
    expect_char(out, "/dev/fuse", 10, 229, 0);
    if (getpid() != 1)
        FAIL(out, "pid %d, expected 1\n", getpid());
    expect_text(out, "/mnt/vol/hello", "hello");
    expect_errno(out, "create in the ro bind", create("/mnt/vol/new"), EROFS);
    expect_errno(out, "mkdir in /", mkdir("/newdir", 0755), EROFS);
    expect_text(out, "/secret", "");
    if (access("/sys/kernel", F_OK) < 0)
        FAIL(out, "/sys/kernel: %s\n", strerror(errno));
    expect_errno(out, "open the host's marker", open(marker, O_RDONLY), ENOENT);
    check_busybox(out);
}

/* In a user namespace: device nodes are host binds, sysfs falls back to a
 * bind of the host's /sys, remounts keep the locked flags. */
static void test_user_namespace(void **state)
{
    (void)state;
    SKIP_UNLESS_RUNNABLE();
    make_dir("bundle");
    make_dir("bundle/rootfs");
    make_dir("bundle/rootfs/bin");
    copy_busybox("bundle/rootfs/bin/busybox");
    make_file("bundle/rootfs/secret", "top secret");
    make_dir("hostvol");
    make_file("hostvol/hello", "hello");
    make_file("marker", "host only");
    path_in(marker, sizeof marker, "marker");
    char spec[4096];
    snprintf(spec, sizeof spec,
        "{\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"mounts\":["
        "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
        "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
        " \"options\":[\"nosuid\",\"strictatime\",\"mode=755\"]},"
        "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":"
        " \"devpts\",\"options\":[\"newinstance\",\"ptmxmode=0666\"]},"
        "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
        " \"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
        "{\"destination\":\"/mnt/vol\",\"type\":\"bind\",\"source\":"
        " \"%s/hostvol\",\"options\":[\"rbind\",\"ro\",\"nosuid\"]}],"
        "\"linux\":{\"devices\":["
        " {\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229}],"
        "\"maskedPaths\":[\"/proc/kcore\",\"/secret\"],"
        "\"readonlyPaths\":[\"/proc/sys\"]}}", base);
    run(spec, NS_USER, true, false, check_userns);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_setup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_pivot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_propagation, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dev_symlink_stays_inside, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_user_namespace, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
