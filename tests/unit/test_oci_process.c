/* Unit tests of the container process: process_parse on a full object and
 * on each bad field (the error names it), and process_exec in a forked
 * child running /bin/sh, whose report (/proc/self/status, umask, cwd,
 * limits, environment) the test checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/resource.h>
#include <sys/stat.h>

#include "base/err.h"
#include "oci/process.h"
#include "oci/seccomp/seccomp.h"
#include "test_oci_child.h"

#define BIT(n) (UINT64_C(1) << (n))
#define CHOWN 0
#define KILL 5
#define NET_BIND 10
#define SYS_ADMIN 21
/* The uid and group changes, the capabilities the tests hand out, and
 * CAP_SETPCAP for the bounding set. */
#define NEEDED (BIT(CHOWN) | BIT(KILL) | BIT(6) | BIT(7) | BIT(8) | \
                BIT(NET_BIND) | BIT(SYS_ADMIN))

static void test_parse_full(void **state)
{
    (void)state;
    json_object *j = parse_json(
        "{\"terminal\":true,\"consoleSize\":{\"height\":40,\"width\":120},"
        "\"user\":{\"uid\":1000,\"gid\":100,\"umask\":18,"
        "\"additionalGids\":[10,20]},"
        "\"args\":[\"sh\",\"-c\",\"true\"],"
        "\"env\":[\"PATH=/bin\",\"A=b=c\"],"
        "\"cwd\":\"/srv\","
        "\"capabilities\":{\"bounding\":[\"CAP_KILL\"]},"
        "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":100,"
        "\"hard\":200},{\"type\":\"RLIMIT_CORE\",\"soft\":0,\"hard\":0}],"
        "\"noNewPrivileges\":true,\"oomScoreAdj\":-17,"
        "\"apparmorProfile\":\"x\",\"selinuxLabel\":\"y\"}");
    struct oci_process p;
    struct err e = {0};
    assert_int_equal(process_parse(j, "process", &p, &e), 0);
    assert_true(p.terminal);
    assert_int_equal(p.console_rows, 40);
    assert_int_equal(p.console_cols, 120);
    assert_int_equal(p.uid, 1000);
    assert_int_equal(p.gid, 100);
    assert_true(p.has_umask);
    assert_int_equal(p.umask, 022);
    assert_int_equal(p.n_additional_gids, 2);
    assert_int_equal(p.additional_gids[1], 20);
    assert_int_equal(p.nargs, 3);
    assert_string_equal(p.args[2], "true");
    assert_null(p.args[3]);
    assert_int_equal(p.nenv, 2);
    assert_string_equal(p.env[1], "A=b=c");
    assert_null(p.env[2]);
    assert_string_equal(p.cwd, "/srv");
    assert_true(p.caps.present);
    assert_int_equal(p.caps.bounding, BIT(KILL));
    assert_int_equal(p.nrlimits, 2);
    assert_int_equal(p.rlimits[0].resource, RLIMIT_NOFILE);
    assert_int_equal(p.rlimits[0].soft, 100);
    assert_int_equal(p.rlimits[0].hard, 200);
    assert_int_equal(p.rlimits[1].resource, RLIMIT_CORE);
    assert_string_equal(process_rlimit_name(RLIMIT_CORE), "RLIMIT_CORE");
    assert_true(p.no_new_privileges);
    assert_true(p.has_oom_score_adj);
    assert_int_equal(p.oom_score_adj, -17);
    process_free(&p);
    json_object_put(j);
}

static void test_parse_minimal(void **state)
{
    (void)state;
    json_object *j = parse_json("{\"args\":[\"/bin/true\"],\"cwd\":\"/\"}");
    struct oci_process p;
    struct err e = {0};
    assert_int_equal(process_parse(j, "process", &p, &e), 0);
    assert_false(p.terminal);
    assert_int_equal(p.uid, 0);
    assert_false(p.has_umask);
    assert_int_equal(p.nenv, 0);
    assert_non_null(p.env);
    assert_null(p.env[0]);
    assert_false(p.caps.present);
    assert_int_equal(p.nrlimits, 0);
    assert_false(p.has_oom_score_adj);
    process_free(&p);
    json_object_put(j);
}

/* Each bad object and the start of the error it must give. */
static const struct {
    const char *json;
    const char *want;
} bad[] = {
    {"[]", "config.json: process: expected an object"},
    {"{\"cwd\":\"/\"}", "config.json: process.args: missing"},
    {"{\"args\":[],\"cwd\":\"/\"}", "config.json: process.args: empty"},
    {"{\"args\":[\"\"],\"cwd\":\"/\"}", "config.json: process.args[0]: empty"},
    {"{\"args\":[\"sh\",1],\"cwd\":\"/\"}",
     "config.json: process.args[1]: expected a string"},
    {"{\"args\":\"sh\",\"cwd\":\"/\"}",
     "config.json: process.args: expected an array"},
    {"{\"args\":[\"sh\"]}", "config.json: process.cwd: missing"},
    {"{\"args\":[\"sh\"],\"cwd\":\"tmp\"}",
     "config.json: process.cwd: \"tmp\" is not absolute"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"FOO\"]}",
     "config.json: process.env[0]: expected NAME=VALUE"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"=x\"]}",
     "config.json: process.env[0]"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"terminal\":\"yes\"}",
     "config.json: process.terminal: expected true or false"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"consoleSize\":{\"height\":\"x\"}}",
     "config.json: process.consoleSize.height: expected an integer"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"consoleSize\":{\"width\":-1}}",
     "config.json: process.consoleSize.width: -1 out of range"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":-1,\"gid\":0}}",
     "config.json: process.user.uid: -1 out of range"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0}}",
     "config.json: process.user.gid: missing"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0,"
     "\"umask\":\"022\"}}",
     "config.json: process.user.umask: expected an integer"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0,"
     "\"additionalGids\":[1,\"a\"]}}",
     "config.json: process.user.additionalGids[1]: expected a group id"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"capabilities\":{\"bounding\":[1]}}",
     "config.json: process.capabilities.bounding[0]: expected a string"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"capabilities\":[]}",
     "config.json: process.capabilities: expected an object"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_FOO\","
     "\"soft\":1,\"hard\":1}]}",
     "config.json: process.rlimits[0].type: unknown limit \"RLIMIT_FOO\""},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":"
     "\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":5}]}",
     "config.json: process.rlimits[0]: soft limit above the hard limit"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":"
     "\"RLIMIT_NOFILE\",\"soft\":10}]}",
     "config.json: process.rlimits[0].hard: missing"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"soft\":1,\"hard\":1}]}",
     "config.json: process.rlimits[0].type: missing"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":"
     "\"RLIMIT_NOFILE\",\"soft\":-1,\"hard\":5}]}",
     "config.json: process.rlimits[0].soft: must not be negative"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":"
     "\"RLIMIT_CPU\",\"soft\":1,\"hard\":1},{\"type\":\"RLIMIT_CPU\","
     "\"soft\":1,\"hard\":1}]}",
     "config.json: process.rlimits[1].type: set twice"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[3]}",
     "config.json: process.rlimits[0]: expected an object"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"noNewPrivileges\":1}",
     "config.json: process.noNewPrivileges: expected true or false"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"oomScoreAdj\":1001}",
     "config.json: process.oomScoreAdj: 1001 out of range"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"oomScoreAdj\":1.5}",
     "config.json: process.oomScoreAdj: expected an integer"},
    {"{\"args\":[\"sh\"],\"cwd\":\"/\",\"apparmorProfile\":5}",
     "config.json: process.apparmorProfile: expected a string"},
};

static void test_parse_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_object *j = parse_json(bad[i].json);
        struct oci_process p;
        struct err e = {0};
        assert_int_equal(process_parse(j, "process", &p, &e), -1);
        if (strncmp(e.msg, bad[i].want, strlen(bad[i].want)) != 0)
            fail_msg("for %s: got \"%s\", want \"%s\"", bad[i].json, e.msg,
                     bad[i].want);
        assert_null(p.args);
        json_object_put(j);
    }
}

struct exec_case {
    const char *process;     /* the process object */
    const char *seccomp;     /* linux.seccomp, or NULL */
};

/* Parse and exec in the child; an error is printed as "error: ...". */
static int exec_child(void *arg)
{
    const struct exec_case *c = arg;
    json_object *j = json_tokener_parse(c->process);
    json_object *sj = c->seccomp ? json_tokener_parse(c->seccomp) : NULL;
    struct oci_process p;
    struct oci_seccomp *sc = NULL;
    struct err e = {0};
    if (process_parse(j, "process", &p, &e) < 0 ||
        (sj && seccomp_parse(sj, &sc, &e) < 0)) {
        printf("parse error: %s\n", e.msg);
        return 2;
    }
    process_exec(&p, sc, &e);
    printf("error: %s%s%s\n", e.msg, e.errnum ? ": " : "",
           e.errnum ? strerror(e.errnum) : "");
    return 1;
}

static int run_exec(const struct exec_case *c, char *out, size_t len)
{
    require_caps(NEEDED);
    int st = run_child(exec_child, (void *)c, out, len);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

#define REPORT "\"sh\",\"-c\",\"echo cwd=$(pwd); echo umask=$(umask); " \
               "echo nofile=$(ulimit -n) $(ulimit -Hn); echo foo=$FOO; " \
               "exec cat /proc/self/status /proc/self/oom_score_adj\""

static void test_exec_user(void **state)
{
    (void)state;
    struct exec_case c = {
        .process =
            "{\"user\":{\"uid\":1000,\"gid\":1001,\"umask\":23,"
            "\"additionalGids\":[10,20]},"
            "\"args\":[" REPORT "],"
            "\"env\":[\"PATH=/nonexistent:/usr/bin:/bin\",\"FOO=bar\"],"
            "\"cwd\":\"/usr\","
            "\"capabilities\":{"
            "\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\","
            "\"CAP_NET_BIND_SERVICE\"],"
            "\"permitted\":[\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
            "\"effective\":[\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
            "\"inheritable\":[\"CAP_NET_BIND_SERVICE\"],"
            "\"ambient\":[\"CAP_NET_BIND_SERVICE\"]},"
            "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":100,"
            "\"hard\":200}],"
            "\"noNewPrivileges\":true,\"oomScoreAdj\":500}",
        .seccomp = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                   "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
    };
    static char out[16384];
    int rc = run_exec(&c, out, sizeof out);
    if (rc != 0)
        fail_msg("exec failed (%d): %s", rc, out);
    char buf[128];
    assert_non_null(strstr(out, "cwd=/usr\n"));
    assert_non_null(strstr(out, "umask=0027\n"));
    assert_non_null(strstr(out, "nofile=100 200\n"));
    assert_non_null(strstr(out, "foo=bar\n"));
    assert_string_equal(status_field(out, "Uid", buf, sizeof buf),
                        "1000\t1000\t1000\t1000");
    assert_string_equal(status_field(out, "Gid", buf, sizeof buf),
                        "1001\t1001\t1001\t1001");
    assert_string_equal(status_field(out, "Groups", buf, sizeof buf),
                        "10 20");
    /* A non-root process keeps only its ambient capabilities through
     * execve. */
    assert_int_equal(status_caps(out, "CapBnd"),
                     BIT(CHOWN) | BIT(KILL) | BIT(NET_BIND));
    assert_int_equal(status_caps(out, "CapPrm"), BIT(NET_BIND));
    assert_int_equal(status_caps(out, "CapEff"), BIT(NET_BIND));
    assert_int_equal(status_caps(out, "CapInh"), BIT(NET_BIND));
    assert_int_equal(status_caps(out, "CapAmb"), BIT(NET_BIND));
    assert_string_equal(status_field(out, "NoNewPrivs", buf, sizeof buf),
                        "1");
    assert_string_equal(status_field(out, "Seccomp", buf, sizeof buf), "2");
    assert_non_null(strstr(out, "\n500\n"));
}

static void test_exec_root_seccomp_without_nnp(void **state)
{
    (void)state;
    /* Root without CAP_SYS_ADMIN and without noNewPrivileges: the filter
     * goes in while the runtime still has CAP_SYS_ADMIN, so no_new_privs
     * stays off as the spec says. */
    struct exec_case c = {
        .process =
            "{\"args\":[\"cat\",\"/proc/self/status\"],\"cwd\":\"/\","
            "\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_CHOWN\"],"
            "\"permitted\":[\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"]}}",
        .seccomp = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                   "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
    };
    static char out[16384];
    int rc = run_exec(&c, out, sizeof out);
    if (rc != 0)
        fail_msg("exec failed (%d): %s", rc, out);
    char buf[64];
    assert_string_equal(status_field(out, "Uid", buf, sizeof buf),
                        "0\t0\t0\t0");
    assert_string_equal(status_field(out, "Groups", buf, sizeof buf), "");
    /* Without no_new_privs, root gets its bounding set on execve (the
     * kernel's rule for uid 0), and no more. */
    assert_int_equal(status_caps(out, "CapEff"), BIT(KILL) | BIT(CHOWN));
    assert_int_equal(status_caps(out, "CapPrm"), BIT(KILL) | BIT(CHOWN));
    assert_int_equal(status_caps(out, "CapBnd"), BIT(KILL) | BIT(CHOWN));
    assert_int_equal(status_caps(out, "CapAmb"), 0);
    assert_int_equal(status_caps(out, "CapInh"), 0);
    assert_string_equal(status_field(out, "NoNewPrivs", buf, sizeof buf),
                        "0");
    assert_string_equal(status_field(out, "Seccomp", buf, sizeof buf), "2");
}

static void test_exec_root_admin_keeps_nnp_off(void **state)
{
    (void)state;
    struct exec_case c = {
        .process =
            "{\"args\":[\"/bin/cat\",\"/proc/self/status\"],\"cwd\":\"/\","
            "\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\"],"
            "\"permitted\":[\"CAP_SYS_ADMIN\"],"
            "\"effective\":[\"CAP_SYS_ADMIN\"]}}",
        .seccomp = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                   "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
    };
    static char out[16384];
    int rc = run_exec(&c, out, sizeof out);
    if (rc != 0)
        fail_msg("exec failed (%d): %s", rc, out);
    char buf[64];
    assert_int_equal(status_caps(out, "CapEff"), BIT(SYS_ADMIN));
    assert_int_equal(status_caps(out, "CapBnd"), BIT(SYS_ADMIN));
    assert_string_equal(status_field(out, "NoNewPrivs", buf, sizeof buf),
                        "0");
    assert_string_equal(status_field(out, "Seccomp", buf, sizeof buf), "2");
}

static void test_exec_filter_in_force(void **state)
{
    (void)state;
    /* mkdir fails with the rule's errno in the exec'd program. */
    require_caps(NEEDED);
    char dir[] = "/tmp/cella-proc-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char script[256];
    snprintf(script, sizeof script,
             "{\"args\":[\"sh\",\"-c\",\"mkdir %s/sub 2>&1; echo rc=$?\"],"
             "\"cwd\":\"/\",\"env\":[\"LANG=C\"]}", dir);
    struct exec_case c = {
        .process = script,
        .seccomp = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                   "{\"names\":[\"mkdir\",\"mkdirat\"],"
                   "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]}",
    };
    static char out[4096];
    int rc = run_exec(&c, out, sizeof out);
    char sub[64];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    struct stat st;
    bool made = stat(sub, &st) == 0;
    if (made)
        rmdir(sub);
    rmdir(dir);
    if (rc != 0)
        fail_msg("exec failed (%d): %s", rc, out);
    assert_false(made);
    assert_non_null(strstr(out, "Function not implemented"));
    assert_non_null(strstr(out, "rc=1"));
}

static void test_exec_not_found(void **state)
{
    (void)state;
    struct exec_case c = {
        .process = "{\"args\":[\"no-such-program\"],\"cwd\":\"/\","
                   "\"env\":[\"PATH=/nonexistent:/bin\"]}",
    };
    static char out[4096];
    assert_int_equal(run_exec(&c, out, sizeof out), 1);
    assert_string_equal(out, "error: exec no-such-program: executable file "
                        "not found in $PATH\n");
}

static void test_exec_permission_denied(void **state)
{
    (void)state;
    require_caps(NEEDED);
    char dir[] = "/tmp/cella-proc-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char prog[64];
    snprintf(prog, sizeof prog, "%s/prog", dir);
    FILE *f = fopen(prog, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\ntrue\n", f);
    fclose(f);
    chmod(prog, 0644);
    char process[256];
    snprintf(process, sizeof process,
             "{\"args\":[\"prog\"],\"cwd\":\"/\",\"env\":[\"PATH=%s\"]}", dir);
    struct exec_case c = {.process = process};
    static char out[4096];
    int rc = run_exec(&c, out, sizeof out);
    unlink(prog);
    rmdir(dir);
    assert_int_equal(rc, 1);
    assert_string_equal(out, "error: exec prog: Permission denied\n");
}

static void test_exec_bad_cwd(void **state)
{
    (void)state;
    struct exec_case c = {
        .process = "{\"args\":[\"true\"],\"cwd\":\"/nonexistent-dir\"}",
    };
    static char out[4096];
    assert_int_equal(run_exec(&c, out, sizeof out), 1);
    assert_string_equal(out, "error: chdir to /nonexistent-dir: No such "
                        "file or directory\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_full),
        cmocka_unit_test(test_parse_minimal),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_exec_user),
        cmocka_unit_test(test_exec_root_seccomp_without_nnp),
        cmocka_unit_test(test_exec_root_admin_keeps_nnp_off),
        cmocka_unit_test(test_exec_filter_in_force),
        cmocka_unit_test(test_exec_not_found),
        cmocka_unit_test(test_exec_permission_denied),
        cmocka_unit_test(test_exec_bad_cwd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
