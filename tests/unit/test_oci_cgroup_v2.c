/* Unit tests of the cgroup module on a pure cgroup v2 view (run as root):
 * a forked child, in a private mount namespace, mounts cgroup2 on
 * /sys/fs/cgroup, so on a hybrid host it sees the host's cgroup2
 * hierarchy the way a unified host shows it. There the mode is v2, a limit
 * whose controller v2 does not offer fails before anything is made, and a
 * create that fails later, or a destroy, removes the levels it made. The
 * parent checks the tree through its own cgroup2 mount and removes what
 * is left. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/cgroup/internal.h"
#include "test_oci_child.h"

/* The host's cgroup2 mount and this test's top directory in it. */
static struct {
    char mount[256];
    char top[64];    /* "/cella-unit-v2-PID" */
} t;

/* What a child is given: the cgroup path and the resources JSON. */
struct job {
    const char *path;
    const char *resources;
};

static void remove_top(void)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s%s/leaf", t.mount, t.top);
    rmdir(dir);
    snprintf(dir, sizeof dir, "%s%s", t.mount, t.top);
    rmdir(dir);
}

static int setup(void **state)
{
    (void)state;
    memset(&t, 0, sizeof t);
    snprintf(t.top, sizeof t.top, "/cella-unit-v2-%d", (int)getpid());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (t.mount[0])
        remove_top();
    return 0;
}

/* Skips unless root on a host with a cgroup2 mount; fills t.mount. */
static void need_v2(void)
{
    if (geteuid()) {
        print_message("skipped: needs root\n");
        skip();
    }
    struct cg_hier *h;
    size_t n;
    assert_int_equal(cg_hiers_scan(&h, &n, NULL), 0);
    for (size_t i = 0; i < n; i++)
        if (h[i].version == 2 && !strcmp(h[i].root, "/"))
            snprintf(t.mount, sizeof t.mount, "%s", h[i].mount);
    cg_hiers_free(h, n);
    if (!t.mount[0]) {
        print_message("skipped: no cgroup2 mount here\n");
        skip();
    }
}

static bool exists(const char *rel)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s%s", t.mount, rel);
    return access(dir, F_OK) == 0;
}

/* In the child: the pure-v2 view. */
static int enter_view(void)
{
    if (unshare(CLONE_NEWNS) < 0
        || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0
        || mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL) < 0) {
        printf("cannot make the cgroup2 view: %m\n");
        return -1;
    }
    return 0;
}

static struct cg_resources *child_parse(const char *json)
{
    struct cg_resources *r = NULL;
    json_object *o = json ? json_tokener_parse(json) : NULL;
    if (o && cg_resources_parse(o, "linux.resources", &r, NULL) < 0)
        r = NULL;
    json_object_put(o);
    return r;
}

/* Exit 0: cg_create failed, its message printed. 1: it succeeded (the
 * cgroup is destroyed again). 2: no view or bad resources. */
static int create_fails(void *arg)
{
    const struct job *j = arg;
    if (enter_view() < 0)
        return 2;
    struct cg_resources *r = child_parse(j->resources);
    if (j->resources && !r)
        return 2;
    struct cgroup *cg;
    struct err e = {0};
    int rc = cg_create(j->path, "v2", false, r, &cg, &e);
    cg_resources_free(r);
    if (rc < 0) {
        printf("%s", e.msg);
        return 0;
    }
    cg_destroy(cg, NULL);
    cg_close(cg);
    return 1;
}

/* Exit 0: the mode is v2, cg_create made the cgroup (its recorded path
 * printed) and cg_destroy removed it. */
static int create_destroy(void *arg)
{
    const struct job *j = arg;
    if (enter_view() < 0)
        return 2;
    enum cg_mode mode;
    struct err e = {0};
    if (cg_host_mode(&mode, &e) < 0 || mode != CG_MODE_V2) {
        printf("mode %d, not v2 %s", (int)mode, e.msg);
        return 3;
    }
    struct cgroup *cg;
    if (cg_create(j->path, "v2", false, NULL, &cg, &e) < 0) {
        printf("%s", e.msg);
        return 4;
    }
    printf("%zu %s", cg->n, cg_path(cg));
    int rc = cg_destroy(cg, &e);
    cg_close(cg);
    if (rc < 0) {
        printf(" %s", e.msg);
        return 5;
    }
    return 0;
}

static void test_mode_and_made_parents(void **state)
{
    (void)state;
    need_v2();
    char path[128], out[1024];
    snprintf(path, sizeof path, "%s/leaf", t.top);
    struct job j = {path, NULL};
    int status = run_child(create_destroy, &j, out, sizeof out);
    if (!WIFEXITED(status) || WEXITSTATUS(status))
        print_error("child: status %d: %s\n", status, out);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* One hierarchy, the cgroup2 one; what it made went with it. */
    char want[256];
    snprintf(want, sizeof want, "1 %s", path);
    assert_string_equal(out, want);
    assert_false(exists(t.top));

    /* A parent that was there before stays. */
    char top[512];
    snprintf(top, sizeof top, "%s%s", t.mount, t.top);
    assert_int_equal(mkdir(top, 0755), 0);
    status = run_child(create_destroy, &j, out, sizeof out);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_false(exists(path));
    assert_true(exists(t.top));
}

static void test_missing_controller(void **state)
{
    (void)state;
    need_v2();
    char file[512], ctrls[1024];
    snprintf(file, sizeof file, "%s/cgroup.controllers", t.mount);
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    if (!fgets(ctrls, sizeof ctrls, f))
        ctrls[0] = 0;
    fclose(f);
    const char *missing = !strstr(ctrls, "pids") ? "pids"
                          : !strstr(ctrls, "memory") ? "memory" : NULL;
    if (!missing) {
        print_message("skipped: cgroup v2 here offers pids and memory\n");
        skip();
    }
    char path[128], res[128], out[1024], want[128];
    snprintf(path, sizeof path, "%s/leaf", t.top);
    snprintf(res, sizeof res, "{\"%s\": {\"limit\": %s}}", missing,
             !strcmp(missing, "pids") ? "20" : "67108864");
    struct job j = {path, res};
    int status = run_child(create_fails, &j, out, sizeof out);
    if (!WIFEXITED(status) || WEXITSTATUS(status))
        print_error("child: status %d: %s\n", status, out);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    snprintf(want, sizeof want, "cgroup: the %s controller is not available",
             missing);
    assert_non_null(strstr(out, want));
    assert_false(exists(t.top));
}

static void test_failed_create_removes_what_it_made(void **state)
{
    (void)state;
    need_v2();
    char path[128], out[1024];
    snprintf(path, sizeof path, "%s/leaf", t.top);
    struct job j = {path, "{\"unified\": {\"no.such.file\": \"1\"}}"};
    int status = run_child(create_fails, &j, out, sizeof out);
    if (!WIFEXITED(status) || WEXITSTATUS(status))
        print_error("child: status %d: %s\n", status, out);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_non_null(strstr(out, "cgroup: no.such.file"));
    assert_false(exists(t.top));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mode_and_made_parents, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_missing_controller, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_failed_create_removes_what_it_made,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
