/* Unit tests of the cgroup module on this host's real hierarchies (run as
 * root): limits written and read back, a forked child entered, listed,
 * frozen, updated, OOM-killed, kept off devices, and everything removed by
 * cg_destroy; on the cgroup2 mount, freezing and the BPF device filter.
 * Every test makes its own uniquely named cgroups and removes them even
 * when it fails. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/cgroup/internal.h"

/* What a test made, for teardown to remove whatever happened. */
static struct {
    struct cgroup *cg;
    pid_t child;
    char v2dir[256];
    char path[128];
} t;

static int setup(void **state)
{
    (void)state;
    memset(&t, 0, sizeof t);
    return 0;
}

static void kill_child(void)
{
    if (t.child > 0) {
        kill(t.child, SIGKILL);
        waitpid(t.child, NULL, 0);
        t.child = 0;
    }
}

/* Remove t.path (and its parent, when it is one of ours) everywhere. */
static void remove_everywhere(const char *path)
{
    struct cg_hier *h;
    size_t n;
    if (cg_hiers_scan(&h, &n, NULL) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        char *dir = cg_join(h[i].mount, path);
        if (dir)
            rmdir(dir);
        free(dir);
    }
    cg_hiers_free(h, n);
}

static int teardown(void **state)
{
    (void)state;
    kill_child();
    if (t.cg) {
        struct err e;
        if (cg_destroy(t.cg, &e) < 0)
            print_error("teardown: %s\n", e.msg);
        cg_close(t.cg);
        t.cg = NULL;
    }
    if (t.path[0])
        remove_everywhere(t.path);
    if (t.v2dir[0])
        rmdir(t.v2dir);
    return 0;
}

/* Skips unless root on a host with the v1 controllers these tests use. */
static void need_v1(void)
{
    if (geteuid()) {
        print_message("skipped: needs root\n");
        skip();
    }
    struct cg_hier *h;
    size_t n;
    assert_int_equal(cg_hiers_scan(&h, &n, NULL), 0);
    static const char *const want[] = {"memory", "cpu",     "cpuset", "pids",
                                       "freezer", "devices", NULL};
    struct cgroup fake = {h, n, cg_hiers_mode(h, n), NULL};
    for (int i = 0; want[i]; i++) {
        struct cg_hier *c = cg_find(&fake, want[i]);
        if (!c || c->version != 1) {
            print_message("skipped: no v1 %s hierarchy here\n", want[i]);
            cg_hiers_free(h, n);
            skip();
        }
    }
    cg_hiers_free(h, n);
}

static char *need_v2_dir(const char *name)
{
    if (geteuid()) {
        print_message("skipped: needs root\n");
        skip();
    }
    struct cg_hier *h;
    size_t n;
    assert_int_equal(cg_hiers_scan(&h, &n, NULL), 0);
    for (size_t i = 0; i < n; i++)
        if (h[i].version == 2)
            snprintf(t.v2dir, sizeof t.v2dir, "%s/cella-unit-%s-%d",
                     h[i].mount, name, (int)getpid());
    cg_hiers_free(h, n);
    if (!t.v2dir[0]) {
        print_message("skipped: no cgroup2 mount here\n");
        skip();
    }
    assert_int_equal(mkdir(t.v2dir, 0755), 0);
    return t.v2dir;
}

static struct cg_resources *parse(const char *json)
{
    json_object *o = json_tokener_parse(json);
    assert_non_null(o);
    struct cg_resources *r = NULL;
    struct err e = {0};
    int rc = cg_resources_parse(o, "linux.resources", &r, &e);
    if (rc < 0)
        print_error("%s\n", e.msg);
    assert_int_equal(rc, 0);
    json_object_put(o);
    return r;
}

/* devices.list with the default rules only (the user's allow of /dev/null
 * is folded into the same line by the kernel). */
#define DEFAULT_LIST                                                        \
    "c 1:3 rwm\nc 1:5 rwm\nc 1:7 rwm\nc 1:8 rwm\nc 1:9 rwm\nc 5:0 rwm\n"    \
    "c 5:1 rwm\nc 5:2 rwm\nc 136:* rwm\nc *:* m\nb *:* m"

static void expect(const char *ctrl, const char *file, const char *want)
{
    char buf[256];
    struct cg_hier *h = cg_find(t.cg, ctrl);
    struct err e = {0};
    assert_non_null(h);
    if (cg_read(h->dir, file, buf, sizeof buf, &e) < 0)
        print_error("%s\n", e.msg);
    assert_string_equal(buf, want);
}

static void check(int rc, struct err *e)
{
    if (rc < 0)
        print_error("%s%s%s\n", e->msg, e->errnum ? ": " : "",
                    e->errnum ? strerror(e->errnum) : "");
    assert_int_equal(rc, 0);
}

/* A child that waits for a byte on the pipe, then runs fn and exits with
 * its result. */
static pid_t spawn(int (*fn)(void), int *go)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char c;
        close(p[1]);
        if (read(p[0], &c, 1) != 1)
            _exit(100);
        _exit(fn ? fn() : 0);
    }
    close(p[0]);
    *go = p[1];
    return pid;
}

static void release(int go)
{
    assert_int_equal(write(go, "x", 1), 1);
    close(go);
}

static int wait_status(void)
{
    int status;
    assert_int_equal(waitpid(t.child, &status, 0), t.child);
    t.child = 0;
    return status;
}

static bool proc_cgroup_has(pid_t pid, const char *line)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return strstr(buf, line) != NULL;
}

static bool gone_everywhere(const char *path)
{
    struct cg_hier *h;
    size_t n;
    bool gone = true;
    assert_int_equal(cg_hiers_scan(&h, &n, NULL), 0);
    for (size_t i = 0; i < n; i++) {
        char *dir = cg_join(h[i].mount, path);
        if (access(dir, F_OK) == 0) {
            print_error("%s is still there\n", dir);
            gone = false;
        }
        free(dir);
    }
    cg_hiers_free(h, n);
    return gone;
}

static void test_lifecycle(void **state)
{
    (void)state;
    need_v1();
    struct err e = {0};
    snprintf(t.path, sizeof t.path, "/cella-unit-life-%d", (int)getpid());
    struct cg_resources *r = parse(
        "{\"memory\": {\"limit\": 33554432, \"swap\": 33554432},"
        " \"pids\": {\"limit\": 20},"
        " \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000,"
        "  \"cpus\": \"0\", \"mems\": \"0\"}}");
    int rc = cg_create(t.path, "life", false, r, &t.cg, &e);
    cg_resources_free(r);
    check(rc, &e);
    assert_string_equal(cg_path(t.cg), t.path);
    expect("memory", "memory.limit_in_bytes", "33554432");
    expect("pids", "pids.max", "20");
    expect("cpu", "cpu.shares", "512");
    expect("cpu", "cpu.cfs_quota_us", "50000");
    expect("cpu", "cpu.cfs_period_us", "100000");
    expect("cpuset", "cpuset.cpus", "0");
    expect("devices", "devices.list", DEFAULT_LIST);

    int go;
    t.child = spawn(NULL, &go);
    check(cg_enter(t.cg, t.child, &e), &e);
    char line[256];
    snprintf(line, sizeof line, ":memory:%s\n", t.path);
    assert_true(proc_cgroup_has(t.child, line));
    snprintf(line, sizeof line, ":name=systemd:%s\n", t.path);
    assert_true(proc_cgroup_has(t.child, line));
    snprintf(line, sizeof line, "0::%s\n", t.path);
    if (cg_hiers_mode(t.cg->h, t.cg->n) == CG_MODE_HYBRID)
        assert_true(proc_cgroup_has(t.child, line));

    pid_t *pids;
    size_t n;
    check(cg_pids(t.cg, &pids, &n, &e), &e);
    assert_int_equal(n, 1);
    assert_int_equal(pids[0], t.child);
    free(pids);

    check(cg_freeze(t.cg, true, &e), &e);
    expect("freezer", "freezer.state", "FROZEN");
    check(cg_freeze(t.cg, false, &e), &e);
    expect("freezer", "freezer.state", "THAWED");

    /* Raising both: memsw has to grow before the limit may. */
    r = parse("{\"memory\": {\"limit\": 67108864, \"swap\": 67108864}}");
    rc = cg_update(t.cg, r, &e);
    cg_resources_free(r);
    check(rc, &e);
    expect("memory", "memory.limit_in_bytes", "67108864");
    expect("pids", "pids.max", "20");

    /* Reopened from its record, as delete does. */
    struct cgroup *again;
    check(cg_open(cg_path(t.cg), &again, &e), &e);
    cg_close(t.cg);
    t.cg = again;
    check(cg_freeze(t.cg, true, &e), &e);
    check(cg_destroy(t.cg, &e), &e);
    int status = wait_status();
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
    close(go);
    assert_true(gone_everywhere(t.path));
}

static int eat_memory(void)
{
    size_t len = 256u << 20;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    for (size_t i = 0; i < len; i += 4096)
        p[i] = 1;
    return 0;
}

static void test_oom_kill(void **state)
{
    (void)state;
    need_v1();
    struct err e = {0};
    snprintf(t.path, sizeof t.path, "/cella-unit-oom-%d", (int)getpid());
    struct cg_resources *r = parse(
        "{\"memory\": {\"limit\": 33554432, \"swap\": 33554432}}");
    int rc = cg_create(t.path, "oom", false, r, &t.cg, &e);
    cg_resources_free(r);
    check(rc, &e);
    int go;
    t.child = spawn(eat_memory, &go);
    check(cg_enter(t.cg, t.child, &e), &e);
    release(go);
    int status = wait_status();
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
}

/* Bit 0: /dev/null (always allowed) opens read-write; bit 1: /dev/kmsg
 * (1:11) is refused for writing with EPERM; bit 2: /dev/kmsg opens
 * read-only; bit 3: /dev/loop-control (10:237) is refused. */
static int try_devices(void)
{
    int res = 0, fd;
    if ((fd = open("/dev/null", O_RDWR)) >= 0) {
        res |= 1;
        close(fd);
    }
    if ((fd = open("/dev/kmsg", O_WRONLY)) < 0 && errno == EPERM)
        res |= 2;
    else if (fd >= 0)
        close(fd);
    if ((fd = open("/dev/kmsg", O_RDONLY)) >= 0) {
        res |= 4;
        close(fd);
    }
    if ((fd = open("/dev/loop-control", O_RDONLY)) < 0 && errno == EPERM)
        res |= 8;
    else if (fd >= 0)
        close(fd);
    return res;
}

static const char deny_but_null[] =
    "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
    " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3,"
    "  \"access\": \"rwm\"}]}";

static void test_v1_devices(void **state)
{
    (void)state;
    need_v1();
    struct err e = {0};
    snprintf(t.path, sizeof t.path, "/cella-unit-dev-%d", (int)getpid());
    struct cg_resources *r = parse(deny_but_null);
    int rc = cg_create(t.path, "dev", false, r, &t.cg, &e);
    cg_resources_free(r);
    check(rc, &e);
    expect("devices", "devices.list", DEFAULT_LIST);
    int go;
    t.child = spawn(try_devices, &go);
    check(cg_enter(t.cg, t.child, &e), &e);
    release(go);
    int status = wait_status();
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1 | 2 | 8);
}

static void test_create_fails_cleanly(void **state)
{
    (void)state;
    need_v1();
    struct err e = {0};
    snprintf(t.path, sizeof t.path, "/cella-unit-fail-%d", (int)getpid());
    struct cg_resources *r = parse("{\"pids\": {\"limit\": 5},"
                                   " \"cpu\": {\"cpus\": \"4095\"}}");
    int rc = cg_create(t.path, "fail", false, r, &t.cg, &e);
    cg_resources_free(r);
    assert_int_equal(rc, -1);
    assert_null(t.cg);
    assert_non_null(strstr(e.msg, "cgroup: cpuset.cpus: write 4095"));
    assert_true(gone_everywhere(t.path));
}

static void test_unified_on_hybrid(void **state)
{
    (void)state;
    need_v1();
    struct err e = {0};
    snprintf(t.path, sizeof t.path, "/cella-unit-uni-%d", (int)getpid());
    check(cg_create(t.path, "uni", false, NULL, &t.cg, &e), &e);
    struct cg_hier *v2 = NULL;
    for (size_t i = 0; i < t.cg->n; i++)
        if (t.cg->h[i].version == 2)
            v2 = &t.cg->h[i];
    if (!v2) {
        print_message("skipped: no cgroup2 mount here\n");
        skip();
    }
    struct cg_resources *r = parse(
        "{\"unified\": {\"cgroup.max.descendants\": \"5\"}}");
    int rc = cg_update(t.cg, r, &e);
    cg_resources_free(r);
    check(rc, &e);
    char buf[32];
    assert_int_equal(cg_read(v2->dir, "cgroup.max.descendants", buf,
                             sizeof buf, &e), 0);
    assert_string_equal(buf, "5");
    r = parse("{\"unified\": {\"no.such.file\": \"1\"}}");
    assert_int_equal(cg_update(t.cg, r, &e), -1);
    cg_resources_free(r);
    assert_non_null(strstr(e.msg, "cgroup: no.such.file"));
    assert_int_equal(e.errnum, ENOENT);
}

static void test_relative_and_default_paths(void **state)
{
    (void)state;
    need_v1();
    struct err e = {0};
    char rel[64];
    snprintf(rel, sizeof rel, "cella-unit-rel-%d", (int)getpid());
    check(cg_create(rel, "rel", false, NULL, &t.cg, &e), &e);
    struct cgroup *again;
    check(cg_open(cg_path(t.cg), &again, &e), &e);
    for (size_t i = 0; i < t.cg->n; i++)
        assert_string_equal(again->h[i].dir, t.cg->h[i].dir);
    assert_non_null(strstr(t.cg->h[0].dir, rel));
    check(cg_destroy(again, &e), &e);
    cg_close(again);
    for (size_t i = 0; i < t.cg->n; i++)
        assert_int_equal(access(t.cg->h[i].dir, F_OK), -1);
    cg_close(t.cg);
    t.cg = NULL;

    char id[64];
    snprintf(id, sizeof id, "cella-unit-%d", (int)getpid());
    snprintf(t.path, sizeof t.path, "/cella/%s", id);
    check(cg_create(NULL, id, false, NULL, &t.cg, &e), &e);
    assert_string_equal(cg_path(t.cg), t.path);
    check(cg_destroy(t.cg, &e), &e);
    assert_true(gone_everywhere(t.path));
    remove_everywhere("/cella");
}

static void test_v2_freeze(void **state)
{
    (void)state;
    const char *dir = need_v2_dir("frz");
    struct err e = {0};
    int go;
    t.child = spawn(NULL, &go);
    check(cg_writef(dir, "cgroup.procs", &e, "%d", (int)t.child), &e);
    check(cg_v2_freeze(dir, true, &e), &e);
    char buf[256];
    check(cg_read(dir, "cgroup.events", buf, sizeof buf, &e), &e);
    assert_non_null(strstr(buf, "frozen 1"));
    check(cg_v2_freeze(dir, false, &e), &e);
    check(cg_read(dir, "cgroup.events", buf, sizeof buf, &e), &e);
    assert_non_null(strstr(buf, "frozen 0"));
    close(go);
    kill_child();
}

static int run_in(const char *dir, int (*fn)(void))
{
    struct err e = {0};
    int go;
    t.child = spawn(fn, &go);
    check(cg_writef(dir, "cgroup.procs", &e, "%d", (int)t.child), &e);
    release(go);
    int status = wait_status();
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_v2_devices(void **state)
{
    (void)state;
    const char *dir = need_v2_dir("bpf");
    struct err e = {0};
    struct cg_resources *r = parse(
        "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
        " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3,"
        "  \"access\": \"rwm\"},"
        " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 11,"
        "  \"access\": \"r\"}]}");
    struct cg_dev_rule *rules;
    size_t n;
    check(cg_device_rules(r, &rules, &n, &e), &e);
    cg_resources_free(r);
    int rc = cg_bpf_devices(dir, rules, n, &e);
    free(rules);
    check(rc, &e);
    assert_int_equal(run_in(dir, try_devices), 1 | 2 | 4 | 8);

    /* Replaced by one that lets everything through. */
    struct cg_dev_rule all = {true, 'a', CG_ANY, CG_ANY, CG_ACC_ALL};
    check(cg_bpf_devices(dir, &all, 1, &e), &e);
    assert_int_equal(run_in(dir, try_devices), 1 | 4);

    /* A deny rule for writes only, after allowing everything. */
    struct cg_dev_rule two[] = {
        {true, 'a', CG_ANY, CG_ANY, CG_ACC_ALL},
        {false, 'c', 1, CG_ANY, CG_ACC_WRITE},
    };
    check(cg_bpf_devices(dir, two, 2, &e), &e);
    assert_int_equal(run_in(dir, try_devices), 2 | 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oom_kill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_devices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_fails_cleanly, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unified_on_hybrid, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_relative_and_default_paths,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_freeze, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_devices, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
