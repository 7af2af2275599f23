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

#include "test_rootfs.h"

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

/* bundle/rootfs with busybox, a host volume, the host's marker. */
static void build_small_tree(void)
{
    make_dir("bundle");
    make_dir("bundle/rootfs");
    make_dir("bundle/rootfs/bin");
    copy_busybox("bundle/rootfs/bin/busybox");
    make_dir("hostvol");
    make_file("hostvol/hello", "hello");
    make_file("marker", "host only");
    path_in(marker, sizeof marker, "marker");
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
    build_small_tree();
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
    build_small_tree();
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
    build_small_tree();
    make_file("bundle/rootfs/secret", "top secret");
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
