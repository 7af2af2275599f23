/* Unit tests of linux.seccomp: parse errors naming the field, filters with
 * errno and argument rules loaded in a forked child, kill actions, the
 * no_new_privs choice, and an SCMP_ACT_NOTIFY listener that gets the
 * notify fd with the container process state and answers the child's
 * syscall. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "base/err.h"
#include "oci/caps.h"
#include "oci/seccomp/seccomp.h"
#include "test_oci_child.h"

static void expect_parse_ok(const char *json)
{
    json_object *j = parse_json(json);
    struct oci_seccomp *s = NULL;
    struct err e = {0};
    if (seccomp_parse(j, &s, &e) < 0)
        fail_msg("for %s: %s", json, e.msg);
    assert_non_null(s);
    seccomp_free(s);
    json_object_put(j);
}

static void test_parse_good(void **state)
{
    (void)state;
    /* Unknown syscall names are skipped; a rule with the default action is
     * left out; every action, operator and flag is read. */
    expect_parse_ok(
        "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
        "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\","
        "\"SCMP_ARCH_X32\"],"
        "\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\",\"SECCOMP_FILTER_FLAG_LOG\","
        "\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
        "\"syscalls\":["
        "{\"names\":[\"read\",\"no_such_syscall_anywhere\"],"
        "\"action\":\"SCMP_ACT_ALLOW\"},"
        /* Other architectures' syscalls, as in Docker's profile. */
        "{\"names\":[\"arm_fadvise64_64\",\"socketcall\",\"_llseek\","
        "\"ugetrlimit\",\"sync_file_range2\",\"breakpoint\","
        "\"cacheflush\",\"set_tls\",\"s390_pci_mmio_read\","
        "\"arch_prctl\",\"modify_ldt\",\"riscv_flush_icache\"],"
        "\"action\":\"SCMP_ACT_ALLOW\"},"
        "{\"names\":[\"write\"],\"action\":\"SCMP_ACT_ERRNO\","
        "\"errnoRet\":1},"
        "{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_LOG\"},"
        "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_TRACE\","
        "\"errnoRet\":3},"
        "{\"names\":[\"getuid\"],\"action\":\"SCMP_ACT_TRAP\"},"
        "{\"names\":[\"getgid\"],\"action\":\"SCMP_ACT_KILL\"},"
        "{\"names\":[\"geteuid\"],\"action\":\"SCMP_ACT_KILL_THREAD\"},"
        "{\"names\":[\"getegid\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"},"
        "{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":["
        "{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_NE\"},"
        "{\"index\":1,\"value\":2,\"op\":\"SCMP_CMP_LT\"},"
        "{\"index\":2,\"value\":3,\"op\":\"SCMP_CMP_LE\"},"
        "{\"index\":3,\"value\":4,\"op\":\"SCMP_CMP_EQ\"},"
        "{\"index\":4,\"value\":5,\"op\":\"SCMP_CMP_GE\"},"
        "{\"index\":5,\"value\":6,\"op\":\"SCMP_CMP_GT\"}]},"
        "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":["
        "{\"index\":0,\"value\":2114060288,\"valueTwo\":0,"
        "\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
        "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_NOTIFY\"}],"
        "\"listenerPath\":\"/run/listener.sock\","
        "\"listenerMetadata\":\"meta\"}");
    expect_parse_ok(
        "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
        "{\"names\":[\"socketcall\",\"_llseek\",\"ugetrlimit\","
        "\"set_tls\",\"arm_fadvise64_64\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
}

static const struct {
    const char *json;
    const char *want;
} bad[] = {
    {"[]", "config.json: linux.seccomp: expected an object"},
    {"{}", "config.json: linux.seccomp.defaultAction: missing"},
    {"{\"defaultAction\":\"SCMP_ACT_FOO\"}",
     "config.json: linux.seccomp.defaultAction: unknown action "
     "\"SCMP_ACT_FOO\""},
    {"{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}",
     "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be "
     "the default action"},
    {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":5000}",
     "config.json: linux.seccomp.defaultErrnoRet: 5000 out of range"},
    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\","
     "\"architectures\":[\"SCMP_ARCH_VAX\"]}",
     "config.json: linux.seccomp.architectures[0]: unknown architecture "
     "\"SCMP_ARCH_VAX\""},
    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"x86_64\"]}",
     "config.json: linux.seccomp.architectures[0]: unknown architecture"},
    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"FLAG_FOO\"]}",
     "config.json: linux.seccomp.flags[0]: unsupported flag \"FLAG_FOO\""},
    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[1]}",
     "config.json: linux.seccomp.syscalls[0]: expected an object"},
    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
     "{\"action\":\"SCMP_ACT_KILL\"}]}",
     "config.json: linux.seccomp.syscalls[0].names: missing"},
    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
     "{\"names\":[\"read\"]}]}",
     "config.json: linux.seccomp.syscalls[0].action: missing"},
    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
     "{\"names\":[\"read\"],\"action\":\"KILL\"}]}",
     "config.json: linux.seccomp.syscalls[0].action: unknown action"},
    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
     "{\"names\":[\"read\",2],\"action\":\"SCMP_ACT_KILL\"}]}",
     "config.json: linux.seccomp.syscalls[0].names[1]: expected a string"},
    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
     "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\","
     "\"errnoRet\":-1}]}",
     "config.json: linux.seccomp.syscalls[0].errnoRet: -1 out of range"},
    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
     "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_KILL\",\"args\":["
     "{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_FOO\"}]}]}",
     "config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator "
     "\"SCMP_CMP_FOO\""},
    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
     "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_KILL\",\"args\":["
     "{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
     "config.json: linux.seccomp.syscalls[0].args[0].index: 6 out of range"},
    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
     "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_KILL\",\"args\":["
     "{\"index\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}",
     "config.json: linux.seccomp.syscalls[0].args[0].value: missing"},
    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
     "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_KILL\",\"args\":["
     "{\"index\":0,\"value\":1}]}]}",
     "config.json: linux.seccomp.syscalls[0].args[0].op: missing"},
    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
     "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_KILL\",\"args\":[7]}]}",
     "config.json: linux.seccomp.syscalls[0].args[0]: expected an object"},
    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
     "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
     "config.json: linux.seccomp.listenerPath: missing"},
    {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":3}",
     "config.json: linux.seccomp.listenerPath: expected a string"},
};

static void test_parse_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_object *j = parse_json(bad[i].json);
        struct oci_seccomp *s = (struct oci_seccomp *)1;
        struct err e = {0};
        if (seccomp_parse(j, &s, &e) != -1)
            fail_msg("for %s: no error", bad[i].json);
        assert_null(s);
        if (strncmp(e.msg, bad[i].want, strlen(bad[i].want)) != 0)
            fail_msg("for %s: got \"%s\", want \"%s\"", bad[i].json, e.msg,
                     bad[i].want);
        json_object_put(j);
    }
}

/* A test body run in the child after the filter is in: returns 0 when
 * every check holds, else the number of the failed one. */
typedef int (*filtered_fn)(void);

struct filter_case {
    const char *json;
    const struct oci_caps *caps;   /* applied before the load, or NULL */
    filtered_fn body;
};

static int filter_child(void *arg)
{
    const struct filter_case *c = arg;
    json_object *j = json_tokener_parse(c->json);
    struct oci_seccomp *s;
    struct err e = {0};
    /* SCMP_ACT_TRAP's SIGSYS must kill the child, not reach cmocka's
     * handler. */
    signal(SIGSYS, SIG_DFL);
    if (seccomp_parse(j, &s, &e) < 0 ||
        (c->caps && caps_apply(c->caps, &e) < 0) ||
        seccomp_apply(s, &e) < 0) {
        printf("error: %s (%s)\n", e.msg, strerror(e.errnum));
        return 100;
    }
    return c->body();
}

/* CAP_SYS_ADMIN (loads without no_new_privs), CAP_SETPCAP and CAP_KILL
 * (the capability test's sets). */
#define NEEDED ((UINT64_C(1) << 21) | (UINT64_C(1) << 8) | (UINT64_C(1) << 5))

static int run_filter(const struct filter_case *c)
{
    require_caps(NEEDED);
    static char out[4096];
    int st = run_child(filter_child, (void *)c, out, sizeof out);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 100)
        fail_msg("%s", out);
    return st;
}

static int errno_rules(void)
{
    char buf[256];
    if (syscall(SYS_getcwd, buf, sizeof buf) != -1 || errno != ENOSYS)
        return 1;
    if (syscall(SYS_mkdir, "/nonexistent/x", 0700) != -1 || errno != EPERM)
        return 2;
    if (syscall(SYS_getpid) != getpid())
        return 3;
    /* CAP_SYS_ADMIN was there for the load: no_new_privs stays off. */
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
        return 4;
    return 0;
}

static void test_errno_rules(void **state)
{
    (void)state;
    struct filter_case c = {
        .json = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\","
                "\"errnoRet\":38},"
                "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\"},"
                "{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
        .body = errno_rules,
    };
    int st = run_filter(&c);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

#define NO_PID 999999999

static int arg_rules(void)
{
    /* personality(0xffffffff) only reads the persona: refused by the
     * EQ rule; personality(PER_LINUX) is allowed. */
    if (syscall(SYS_personality, 0xffffffffUL) != -1 || errno != EACCES)
        return 1;
    if (syscall(SYS_personality, 0UL) < 0)
        return 2;
    /* The MASKED_EQ rule refuses a umask with all group bits set. */
    if (syscall(SYS_umask, 0070) != -1 || errno != EPERM)
        return 3;
    if (syscall(SYS_umask, 0022) < 0)
        return 4;
    /* Two conditions on the same argument are alternatives. */
    if (syscall(SYS_getpriority, PRIO_PGRP, 0) != -1 || errno != EDOM)
        return 5;
    if (syscall(SYS_getpriority, PRIO_USER, 0) != -1 || errno != EDOM)
        return 6;
    if (syscall(SYS_getpriority, PRIO_PROCESS, 0) < 0)
        return 7;
    /* Conditions on different arguments must all hold. */
    if (syscall(SYS_kill, NO_PID, 0) != -1 || errno != ENOTTY)
        return 8;
    if (syscall(SYS_kill, NO_PID, SIGCONT) != -1 || errno != ESRCH)
        return 9;
    if (syscall(SYS_kill, getpid(), 0) != 0)
        return 10;
    return 0;
}

static void test_arg_rules(void **state)
{
    (void)state;
    char json[2048];
    snprintf(json, sizeof json,
             "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
             "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\","
             "\"errnoRet\":%d,\"args\":[{\"index\":0,\"value\":4294967295,"
             "\"op\":\"SCMP_CMP_EQ\"}]},"
             "{\"names\":[\"umask\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":["
             "{\"index\":0,\"value\":56,\"valueTwo\":56,"
             "\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
             "{\"names\":[\"getpriority\"],\"action\":\"SCMP_ACT_ERRNO\","
             "\"errnoRet\":%d,\"args\":["
             "{\"index\":0,\"value\":%d,\"op\":\"SCMP_CMP_EQ\"},"
             "{\"index\":0,\"value\":%d,\"op\":\"SCMP_CMP_EQ\"}]},"
             "{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ERRNO\","
             "\"errnoRet\":%d,\"args\":["
             "{\"index\":0,\"value\":%d,\"op\":\"SCMP_CMP_EQ\"},"
             "{\"index\":1,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}",
             EACCES, EDOM, PRIO_PGRP, PRIO_USER, ENOTTY, NO_PID);
    struct filter_case c = {.json = json, .body = arg_rules};
    int st = run_filter(&c);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static int call_getcwd(void)
{
    char buf[256];
    syscall(SYS_getcwd, buf, sizeof buf);
    return 0;
}

static void test_kill_actions(void **state)
{
    (void)state;
    const char *actions[] = {"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL",
                             "SCMP_ACT_TRAP"};
    for (size_t i = 0; i < 3; i++) {
        char json[256];
        snprintf(json, sizeof json,
                 "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                 "{\"names\":[\"getcwd\"],\"action\":\"%s\"}]}", actions[i]);
        struct filter_case c = {.json = json, .body = call_getcwd};
        int st = run_filter(&c);
        if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
            fail_msg("%s: status %#x", actions[i], st);
    }
}

static int nnp_set(void)
{
    return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1;
}

static void test_nnp_without_admin(void **state)
{
    (void)state;
    /* Without CAP_SYS_ADMIN the load needs no_new_privs: it gets it. */
    const struct oci_caps caps = {
        .present = true,
        .bounding = UINT64_C(1) << 5,
        .permitted = UINT64_C(1) << 5,
        .effective = UINT64_C(1) << 5,
    };
    struct filter_case c = {
        .json = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\"}]}",
        .caps = &caps,
        .body = nnp_set,
    };
    int st = run_filter(&c);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static int notify_body(void)
{
    char buf[256];
    if (syscall(SYS_getcwd, buf, sizeof buf) != -1 || errno != EXDEV)
        return 1;
    return 0;
}

static void test_notify(void **state)
{
    (void)state;
    require_caps(NEEDED);
    char dir[] = "/tmp/cella-seccomp-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64], json[512];
    snprintf(path, sizeof path, "%s/listener", dir);
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strcpy(addr.sun_path, path);
    assert_int_equal(bind(ls, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(listen(ls, 1), 0);
    snprintf(json, sizeof json,
             "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
             "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_NOTIFY\"}],"
             "\"listenerPath\":\"%s\",\"listenerMetadata\":\"hello\"}", path);
    struct filter_case c = {.json = json, .body = notify_body};

    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(ls);
        _exit(filter_child(&c));
    }
    /* The listener: take the fd, answer the child's getcwd with EXDEV. */
    int ok = 0, conn = -1, nfd = -1;
    struct pollfd pfd = {.fd = ls, .events = POLLIN};
    if (poll(&pfd, 1, 5000) == 1)
        conn = accept(ls, NULL, NULL);
    char data[1024] = "";
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = data, .iov_len = sizeof data - 1};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control.buf, .msg_controllen = sizeof control.buf,
    };
    ssize_t got = conn >= 0 ? recvmsg(conn, &msg, 0) : -1;
    if (got > 0) {
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        if (cm && cm->cmsg_type == SCM_RIGHTS)
            memcpy(&nfd, CMSG_DATA(cm), sizeof nfd);
        /* The rest of the state, up to the end of the connection. */
        ssize_t n;
        while ((size_t)got < sizeof data - 1 &&
               (n = recv(conn, data + got, sizeof data - 1 - got, 0)) > 0)
            got += n;
    }
    struct seccomp_notif *req = NULL;
    struct seccomp_notif_resp *resp = NULL;
    pfd = (struct pollfd){.fd = nfd, .events = POLLIN};
    if (nfd >= 0 && seccomp_notify_alloc(&req, &resp) == 0 &&
        poll(&pfd, 1, 5000) == 1 && seccomp_notify_receive(nfd, req) == 0) {
        ok = req->data.nr == SYS_getcwd && req->pid == (uint32_t)pid;
        resp->id = req->id;
        resp->val = 0;
        resp->error = -EXDEV;
        resp->flags = 0;
        seccomp_notify_respond(nfd, resp);
    }
    if (!ok)
        kill(pid, SIGKILL);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    seccomp_notify_free(req, resp);
    if (nfd >= 0)
        close(nfd);
    if (conn >= 0)
        close(conn);
    close(ls);
    unlink(path);
    rmdir(dir);
    assert_true(ok);
    /* The container process state: without a container (no
     * seccomp_listener_connect), pid 0 and an empty state. */
    json_object *ps = json_tokener_parse(data), *v;
    assert_non_null(ps);
    assert_true(json_object_object_get_ex(ps, "metadata", &v));
    assert_string_equal(json_object_get_string(v), "hello");
    assert_true(json_object_object_get_ex(ps, "ociVersion", &v));
    assert_true(json_object_object_get_ex(ps, "fds", &v));
    assert_int_equal(json_object_array_length(v), 1);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 0)),
                        "seccompFd");
    assert_true(json_object_object_get_ex(ps, "pid", &v));
    assert_int_equal(json_object_get_int(v), 0);
    assert_true(json_object_object_get_ex(ps, "state", &v));
    assert_true(json_object_is_type(v, json_type_object));
    json_object_put(ps);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_errno_rules),
        cmocka_unit_test(test_arg_rules),
        cmocka_unit_test(test_kill_actions),
        cmocka_unit_test(test_nnp_without_admin),
        cmocka_unit_test(test_notify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
