/* Unit tests of OCI hooks: parsing (good and each kind of bad field), and
 * running shell-script hooks from a temp dir: the state on stdin, argv and
 * env, a failing exit status, a timeout that kills the hook's process
 * group, a missing path, a hook that never reads a large state, and the
 * first failure stopping the rest. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "oci/hooks.h"

static char dir[] = "/tmp/cella-hooks-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    (void)state;
    return nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* dir/name, an executable shell script with body. */
static const char *script(const char *name, const char *body)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    assert_int_equal(chmod(path, 0755), 0);
    return path;
}

/* dir/name's contents (static buffer), "" when missing. */
static const char *slurp(const char *name)
{
    static char buf[4096];
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        buf[fread(buf, 1, sizeof buf - 1, f)] = 0;
        fclose(f);
    }
    return buf;
}

static int parse(const char *json, json_object **tree, struct oci_hooks *h,
                 struct err *e)
{
    *tree = json_tokener_parse(json);
    assert_non_null(*tree);
    return hooks_parse(*tree, h, e);
}

static void test_parse_good(void **state)
{
    (void)state;
    json_object *tree;
    struct oci_hooks h;
    struct err e = { 0 };
    assert_int_equal(parse("{\"prestart\": [{\"path\": \"/a\"}],"
                           " \"poststop\": [{\"path\": \"/b\","
                           " \"args\": [\"b\", \"x\"], \"env\": [\"K=v\"],"
                           " \"timeout\": 5}, {\"path\": \"/c\"}],"
                           " \"createRuntime\": []}", &tree, &h, &e), 0);
    assert_int_equal(h.n[HOOK_PRESTART], 1);
    assert_string_equal(h.v[HOOK_PRESTART][0].path, "/a");
    assert_null(h.v[HOOK_PRESTART][0].args);
    assert_null(h.v[HOOK_PRESTART][0].env);
    assert_int_equal(h.v[HOOK_PRESTART][0].timeout, 0);
    assert_int_equal(h.n[HOOK_POSTSTOP], 2);
    struct oci_hook *b = &h.v[HOOK_POSTSTOP][0];
    assert_string_equal(b->path, "/b");
    assert_string_equal(b->args[1], "x");
    assert_null(b->args[2]);
    assert_string_equal(b->env[0], "K=v");
    assert_int_equal(b->timeout, 5);
    assert_string_equal(h.v[HOOK_POSTSTOP][1].path, "/c");
    assert_int_equal(h.n[HOOK_CREATE_RUNTIME], 0);
    assert_int_equal(h.n[HOOK_POSTSTART], 0);
    hooks_free(&h);
    json_object_put(tree);

    assert_int_equal(hooks_parse(NULL, &h, &e), 0);
    for (int k = 0; k < HOOK_KINDS; k++)
        assert_int_equal(h.n[k], 0);
    hooks_free(&h);
}

static void test_parse_bad(void **state)
{
    (void)state;
    static const struct {
        const char *json, *msg;
    } bad[] = {
        { "{\"poststart\": [{\"path\": \"/a\"}, {\"args\": [\"x\"]}]}",
          "hooks.poststart[1].path: missing" },
        { "{\"prestart\": [{\"path\": \"rel\"}]}",
          "hooks.prestart[0].path: rel is not an absolute path" },
        { "{\"createRuntime\": [{\"path\": \"/a\", \"timeout\": 0}]}",
          "hooks.createRuntime[0].timeout" },
        { "{\"createRuntime\": [{\"path\": \"/a\", \"timeout\": 1.5}]}",
          "hooks.createRuntime[0].timeout" },
        { "{\"poststop\": [{\"path\": \"/a\", \"args\": [1]}]}",
          "hooks.poststop[0].args[0]" },
        { "{\"poststop\": [{\"path\": \"/a\", \"env\": \"K=v\"}]}",
          "hooks.poststop[0].env" },
        { "{\"startContainer\": \"x\"}",
          "hooks.startContainer: expected an array" },
        { "{\"createContainer\": [{\"path\": \"/a\"}, 3]}",
          "hooks.createContainer[1]: expected an object" },
        { "{\"poststart\": [{\"path\": 7}]}",
          "hooks.poststart[0].path: expected a string" },
        { "[]", "hooks: expected an object" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_object *tree;
        struct oci_hooks h;
        struct err e = { 0 };
        assert_int_equal(parse(bad[i].json, &tree, &h, &e), -1);
        if (!strstr(e.msg, bad[i].msg))
            fail_msg("%s: got \"%s\", want \"%s\"", bad[i].json, e.msg,
                     bad[i].msg);
        for (int k = 0; k < HOOK_KINDS; k++)
            assert_null(h.v[k]);
        json_object_put(tree);
    }
}

/* Parse one hook of kind k from its JSON object text, run it. */
static int run_one(enum hook_kind k, const char *hook_json, const char *st,
                   struct err *e)
{
    static const char *const names[HOOK_KINDS] = {
        "prestart", "createRuntime", "createContainer", "startContainer",
        "poststart", "poststop",
    };
    char json[1024];
    snprintf(json, sizeof json, "{\"%s\": [%s]}", names[k], hook_json);
    json_object *tree;
    struct oci_hooks h;
    assert_int_equal(parse(json, &tree, &h, e), 0);
    int rc = hooks_run(&h, k, st, e);
    hooks_free(&h);
    json_object_put(tree);
    return rc;
}

static void test_run_state_args_env(void **state)
{
    (void)state;
    const char *path = script("save.sh",
                              "/bin/cat > \"$DIR/state\"\n"
                              "printf '%s\\n' \"$@\" > \"$DIR/args\"\n"
                              "echo \"FOO=$FOO\" > \"$DIR/env\"");
    char hook[512];
    snprintf(hook, sizeof hook, "{\"path\": \"%s\", \"args\": [\"save\","
             " \"a\", \"b c\"], \"env\": [\"DIR=%s\", \"FOO=bar\"],"
             " \"timeout\": 5}", path, dir);
    struct err e = { 0 };
    const char *st = "{\"ociVersion\": \"1.0.2\", \"id\": \"c1\"}";
    if (run_one(HOOK_CREATE_RUNTIME, hook, st, &e) < 0)
        fail_msg("%s", e.msg);
    assert_string_equal(slurp("state"), st);
    assert_string_equal(slurp("args"), "a\nb c\n");
    assert_string_equal(slurp("env"), "FOO=bar\n");
}

static void test_run_exit_status(void **state)
{
    (void)state;
    const char *path = script("fail.sh", "exit 3");
    char hook[512];
    snprintf(hook, sizeof hook, "{\"path\": \"%s\"}", path);
    struct err e = { 0 };
    assert_int_equal(run_one(HOOK_POSTSTART, hook, "{}", &e), -1);
    char want[512];
    snprintf(want, sizeof want, "hook poststart %s: exited with status 3",
             path);
    assert_string_equal(e.msg, want);
}

/* Whether pid is gone: no such process, or a zombie left for init. */
static bool gone(long pid)
{
    char path[64], stat[256];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return true;
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = 0;
    char *close_paren = strrchr(stat, ')');
    return close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z';
}

static void test_run_timeout(void **state)
{
    (void)state;
    char body[512];
    snprintf(body, sizeof body, "/bin/sleep 10 &\necho $! > %s/sleep.pid\n"
             "wait", dir);
    const char *path = script("slow.sh", body);
    char hook[512];
    snprintf(hook, sizeof hook, "{\"path\": \"%s\", \"timeout\": 1}", path);
    struct err e = { 0 };
    uint64_t t0 = now_ns();
    assert_int_equal(run_one(HOOK_CREATE_RUNTIME, hook, "{}", &e), -1);
    uint64_t ms = (now_ns() - t0) / 1000000;
    char want[512];
    snprintf(want, sizeof want, "hook createRuntime %s: timed out after 1 s",
             path);
    assert_string_equal(e.msg, want);
    assert_true(ms >= 900 && ms < 2500);
    long sleep_pid = atol(slurp("sleep.pid"));
    assert_true(sleep_pid > 0);
    bool dead = false;
    for (int i = 0; i < 100 && !dead; i++) {
        dead = gone(sleep_pid);
        if (!dead)
            usleep(10 * 1000);
    }
    assert_true(dead);
}

static void test_run_missing(void **state)
{
    (void)state;
    struct err e = { 0 };
    assert_int_equal(run_one(HOOK_PRESTART, "{\"path\": \"/nonexistent/hook\"}",
                             "{}", &e), -1);
    assert_non_null(strstr(e.msg, "/nonexistent/hook"));
    assert_int_equal(e.errnum, ENOENT);
}

/* A hook that exits without reading a state bigger than a pipe holds:
 * EPIPE, not SIGPIPE, and success. */
static void test_run_unread_state(void **state)
{
    (void)state;
    const char *path = script("noread.sh", "exit 0");
    char hook[512];
    snprintf(hook, sizeof hook, "{\"path\": \"%s\", \"timeout\": 5}", path);
    size_t len = 1 << 20;
    char *big = malloc(len + 1);
    assert_non_null(big);
    memset(big, 'x', len);
    big[len] = 0;
    struct err e = { 0 };
    int rc = run_one(HOOK_POSTSTOP, hook, big, &e);
    free(big);
    if (rc < 0)
        fail_msg("%s", e.msg);
}

static void test_run_stops_at_failure(void **state)
{
    (void)state;
    char fail[256], mark[256], body[512];
    snprintf(fail, sizeof fail, "%s", script("first.sh", "exit 1"));
    snprintf(body, sizeof body, "/usr/bin/touch %s/second-ran", dir);
    snprintf(mark, sizeof mark, "%s", script("second.sh", body));
    char hooks[768];
    snprintf(hooks, sizeof hooks, "{\"path\": \"%s\"}, {\"path\": \"%s\"}",
             fail, mark);
    struct err e = { 0 };
    assert_int_equal(run_one(HOOK_START_CONTAINER, hooks, "{}", &e), -1);
    assert_non_null(strstr(e.msg, "hook startContainer"));
    assert_non_null(strstr(e.msg, "first.sh"));
    char path[256];
    snprintf(path, sizeof path, "%s/second-ran", dir);
    assert_int_equal(access(path, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_run_state_args_env),
        cmocka_unit_test(test_run_exit_status),
        cmocka_unit_test(test_run_timeout),
        cmocka_unit_test(test_run_missing),
        cmocka_unit_test(test_run_unread_state),
        cmocka_unit_test(test_run_stops_at_failure),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
