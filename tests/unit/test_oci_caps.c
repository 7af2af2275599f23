/* Unit tests of process.capabilities: parsing names into the five sets
 * (unknown names skipped with a warning, malformed entries refused) and caps_apply in a
 * forked child, checked against /proc/self/status. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/prctl.h>

#include "base/err.h"
#include "oci/caps.h"
#include "test_oci_child.h"

#define BIT(n) (UINT64_C(1) << (n))
#define CHOWN 0
#define KILL 5
#define SETUID 7
#define SETPCAP 8
#define NET_BIND 10
#define SYS_ADMIN 21
/* What the apply tests hand out, plus CAP_SETPCAP for the bounding set. */
#define NEEDED (BIT(CHOWN) | BIT(KILL) | BIT(SETUID) | BIT(SETPCAP) | \
                BIT(NET_BIND))

static void test_parse_sets(void **state)
{
    (void)state;
    json_object *j = parse_json(
        "{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
        "\"effective\":[\"CAP_KILL\"],"
        "\"permitted\":[\"CAP_KILL\",\"CAP_SYS_ADMIN\"],"
        "\"inheritable\":[],"
        "\"ambient\":[\"CAP_NET_BIND_SERVICE\"]}");
    struct oci_caps c;
    struct err e = {0};
    assert_int_equal(caps_parse(j, "process.capabilities", &c, &e), 0);
    assert_true(c.present);
    assert_int_equal(c.bounding, BIT(CHOWN) | BIT(KILL) | BIT(NET_BIND));
    assert_int_equal(c.effective, BIT(KILL));
    assert_int_equal(c.permitted, BIT(KILL) | BIT(SYS_ADMIN));
    assert_int_equal(c.inheritable, 0);
    assert_int_equal(c.ambient, BIT(NET_BIND));
    json_object_put(j);
}

/* Names libcap does not know, or that are not capability names at all,
 * leave their set as if absent; the rest of the set still counts. */
static void test_parse_unknown_skipped(void **state)
{
    (void)state;
    json_object *j = parse_json(
        "{\"bounding\":[\"CAP_FROM_THE_FUTURE\",\"CAP_KILL\"],"
        "\"effective\":[\"kill\",\"5\"],"
        "\"permitted\":[\"CAP_KILL\",\"CAP_\"]}");
    struct oci_caps c;
    struct err e = {0};
    assert_int_equal(caps_parse(j, "process.capabilities", &c, &e), 0);
    assert_true(c.present);
    assert_int_equal(c.bounding, BIT(KILL));
    assert_int_equal(c.effective, 0);
    assert_int_equal(c.permitted, BIT(KILL));
    json_object_put(j);
}

static void test_parse_absent(void **state)
{
    (void)state;
    struct oci_caps c;
    struct err e = {0};
    memset(&c, 0xff, sizeof c);
    assert_int_equal(caps_parse(NULL, "process.capabilities", &c, &e), 0);
    assert_false(c.present);
    assert_int_equal(c.bounding | c.effective | c.permitted | c.inheritable |
                     c.ambient, 0);
}

static void expect_parse_error(const char *json, const char *want)
{
    json_object *j = parse_json(json);
    struct oci_caps c;
    struct err e = {0};
    assert_int_equal(caps_parse(j, "process.capabilities", &c, &e), -1);
    if (!strstr(e.msg, want))
        fail_msg("for %s: got \"%s\", want \"%s\"", json, e.msg, want);
    json_object_put(j);
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_parse_error("[]", "config.json: process.capabilities: expected "
                       "an object");
    expect_parse_error("{\"bounding\":\"CAP_KILL\"}",
                       "process.capabilities.bounding: expected an array");
    expect_parse_error("{\"effective\":[\"CAP_KILL\",7]}",
                       "process.capabilities.effective[1]: expected a "
                       "string");
    expect_parse_error("{\"ambient\":[null]}",
                       "process.capabilities.ambient[0]");
}

struct apply_case {
    struct oci_caps caps;
    uid_t uid;              /* changed to (keeping caps) before the apply */
};

static int apply_child(void *arg)
{
    const struct apply_case *a = arg;
    struct err e = {0};
    if (a->uid != 0 && (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
                        setresuid(a->uid, a->uid, a->uid) < 0)) {
        printf("uid change failed\n");
        return 2;
    }
    if (caps_apply(&a->caps, &e) < 0) {
        printf("caps_apply: %s (%s)\n", e.msg, strerror(e.errnum));
        return 1;
    }
    int fd = open("/proc/self/status", O_RDONLY);
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n <= 0)
        return 3;
    fwrite(buf, 1, n, stdout);
    return 0;
}

static void run_apply(const struct apply_case *a, char *out, size_t len)
{
    require_caps(NEEDED);
    int st = run_child(apply_child, (void *)a, out, len);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail_msg("child failed (status %#x): %s", st, out);
}

static void test_apply_root(void **state)
{
    (void)state;
    /* Ambient CAP_SETUID is not inheritable, and the kernel raises an
     * ambient capability only when it is permitted and inheritable: it is
     * left out. */
    struct apply_case a = {
        .caps = {
            .present = true,
            .bounding = BIT(CHOWN) | BIT(KILL) | BIT(NET_BIND) | BIT(SETUID),
            .permitted = BIT(KILL) | BIT(NET_BIND) | BIT(SETUID),
            .effective = BIT(KILL),
            .inheritable = BIT(NET_BIND),
            .ambient = BIT(NET_BIND) | BIT(SETUID),
        },
    };
    static char out[16384];
    run_apply(&a, out, sizeof out);
    assert_int_equal(status_caps(out, "CapBnd"), a.caps.bounding);
    assert_int_equal(status_caps(out, "CapPrm"), a.caps.permitted);
    assert_int_equal(status_caps(out, "CapEff"), BIT(KILL));
    assert_int_equal(status_caps(out, "CapInh"), BIT(NET_BIND));
    assert_int_equal(status_caps(out, "CapAmb"), BIT(NET_BIND));
}

static void test_apply_none(void **state)
{
    (void)state;
    struct apply_case a = {.caps = {.present = false}};
    static char out[16384];
    run_apply(&a, out, sizeof out);
    const char *sets[] = {"CapBnd", "CapPrm", "CapEff", "CapInh", "CapAmb"};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(status_caps(out, sets[i]), 0);
}

static void test_apply_after_uid_change(void **state)
{
    (void)state;
    /* The uid change cleared the effective set; caps_apply still has
     * CAP_SETPCAP (permitted) for the bounding drops. */
    struct apply_case a = {
        .caps = {
            .present = true,
            .bounding = BIT(KILL) | BIT(NET_BIND),
            .permitted = BIT(KILL) | BIT(NET_BIND),
            .effective = BIT(KILL) | BIT(NET_BIND),
        },
        .uid = 1000,
    };
    static char out[16384];
    run_apply(&a, out, sizeof out);
    char uid[64];
    assert_non_null(status_field(out, "Uid", uid, sizeof uid));
    assert_string_equal(uid, "1000\t1000\t1000\t1000");
    assert_int_equal(status_caps(out, "CapBnd"), BIT(KILL) | BIT(NET_BIND));
    assert_int_equal(status_caps(out, "CapEff"), BIT(KILL) | BIT(NET_BIND));
    assert_int_equal(status_caps(out, "CapPrm"), BIT(KILL) | BIT(NET_BIND));
    assert_int_equal(status_caps(out, "CapAmb"), 0);
}

static void test_apply_refused(void **state)
{
    (void)state;
    /* Effective beyond permitted: the kernel says no, and the error says
     * which step. */
    struct apply_case a = {
        .caps = {
            .present = true,
            .bounding = BIT(KILL),
            .permitted = BIT(KILL),
            .effective = BIT(KILL) | BIT(CHOWN),
        },
    };
    static char out[4096];
    require_caps(NEEDED);
    int st = run_child(apply_child, &a, out, sizeof out);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);
    assert_non_null(strstr(out, "caps_apply: set the inheritable, permitted "
                           "and effective capabilities"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_sets),
        cmocka_unit_test(test_parse_unknown_skipped),
        cmocka_unit_test(test_parse_absent),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_apply_root),
        cmocka_unit_test(test_apply_none),
        cmocka_unit_test(test_apply_after_uid_change),
        cmocka_unit_test(test_apply_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
