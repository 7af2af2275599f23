/* Unit tests of the --net option parser: each mode, hostfwd defaults and
 * limits, MAC addresses, and the error message for each kind of mistake. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "vm/backend/net_opts.h"

static struct net_opts parse_ok(const char *arg)
{
    struct net_opts o;
    struct err e = { 0 };
    if (net_opts_parse(arg, &o, &e) < 0)
        fail_msg("'%s': %s", arg, e.msg);
    return o;
}

static void assert_parse_error(const char *arg, const char *msg)
{
    struct net_opts o;
    struct err e = { 0 };
    assert_int_equal(net_opts_parse(arg, &o, &e), -1);
    assert_string_equal(e.msg, msg);
    assert_int_equal(e.errnum, 0);
}

static void assert_addr(struct in_addr a, const char *want)
{
    char got[INET_ADDRSTRLEN];
    assert_non_null(inet_ntop(AF_INET, &a, got, sizeof got));
    assert_string_equal(got, want);
}

static void test_none(void **state)
{
    (void)state;
    struct net_opts o = parse_ok("none");
    assert_int_equal(o.mode, NET_NONE);
    assert_int_equal(o.nfwd, 0);
    assert_false(o.mac_set);
}

static void test_user_plain(void **state)
{
    (void)state;
    struct net_opts o = parse_ok("user");
    assert_int_equal(o.mode, NET_USER);
    assert_int_equal(o.nfwd, 0);
    assert_false(o.mac_set);
}

static void test_user_hostfwd(void **state)
{
    (void)state;
    struct net_opts o = parse_ok("user,hostfwd=tcp:127.0.0.1:8080-:80,"
                                 "hostfwd=udp::5353-10.0.2.20:53");
    assert_int_equal(o.mode, NET_USER);
    assert_int_equal(o.nfwd, 2);
    assert_false(o.fwd[0].udp);
    assert_addr(o.fwd[0].haddr, "127.0.0.1");
    assert_int_equal(o.fwd[0].hport, 8080);
    assert_addr(o.fwd[0].gaddr, "10.0.2.15");
    assert_int_equal(o.fwd[0].gport, 80);
    assert_true(o.fwd[1].udp);
    assert_addr(o.fwd[1].haddr, "0.0.0.0");
    assert_int_equal(o.fwd[1].hport, 5353);
    assert_addr(o.fwd[1].gaddr, "10.0.2.20");
    assert_int_equal(o.fwd[1].gport, 53);
}

/* QEMU's syntax lets the protocol be left out: TCP. */
static void test_hostfwd_default_tcp(void **state)
{
    (void)state;
    struct net_opts o = parse_ok("user,hostfwd=::2222-:22");
    assert_int_equal(o.nfwd, 1);
    assert_false(o.fwd[0].udp);
    assert_int_equal(o.fwd[0].hport, 2222);
    assert_int_equal(o.fwd[0].gport, 22);
}

static void test_hostfwd_limit(void **state)
{
    (void)state;
    char arg[512] = "user";
    for (int i = 0; i < 8; i++)
        snprintf(arg + strlen(arg), sizeof arg - strlen(arg),
                 ",hostfwd=tcp::%d-:%d", 10000 + i, 80 + i);
    struct net_opts o = parse_ok(arg);
    assert_int_equal(o.nfwd, 8);
    assert_int_equal(o.fwd[7].hport, 10007);
    assert_int_equal(o.fwd[7].gport, 87);
    strcat(arg, ",hostfwd=tcp::10008-:88");
    assert_parse_error(arg, "--net: too many hostfwds (at most 8)");
}

static void test_bad_hostfwd(void **state)
{
    (void)state;
    assert_parse_error("user,hostfwd=tcp:x", "--net: bad hostfwd 'tcp:x'");
    assert_parse_error("user,hostfwd=sctp::1-:2",
                       "--net: bad hostfwd 'sctp::1-:2'");
    assert_parse_error("user,hostfwd=tcp:1.2.3:1-:2",
                       "--net: bad hostfwd 'tcp:1.2.3:1-:2'");
    assert_parse_error("user,hostfwd=tcp::0-:2",
                       "--net: bad hostfwd 'tcp::0-:2'");
    assert_parse_error("user,hostfwd=tcp::65536-:2",
                       "--net: bad hostfwd 'tcp::65536-:2'");
    assert_parse_error("user,hostfwd=tcp::80:22",
                       "--net: bad hostfwd 'tcp::80:22'");
    assert_parse_error("user,hostfwd=tcp::80-:",
                       "--net: bad hostfwd 'tcp::80-:'");
    assert_parse_error("user,hostfwd=tcp::8x-:22",
                       "--net: bad hostfwd 'tcp::8x-:22'");
    assert_parse_error("user,hostfwd=tcp::80-192.168.1.2:22",
                       "--net: hostfwd guest address in "
                       "'tcp::80-192.168.1.2:22' is outside 10.0.2.0/24");
}

static void test_mac(void **state)
{
    (void)state;
    struct net_opts o = parse_ok("user,mac=52:54:00:Ab:cD:09");
    assert_true(o.mac_set);
    const uint8_t want[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0x09 };
    assert_memory_equal(o.mac, want, 6);
    assert_parse_error("user,mac=52:54:00:12:34",
                       "--net: bad mac '52:54:00:12:34'");
    assert_parse_error("user,mac=52:54:00:12:34:5g",
                       "--net: bad mac '52:54:00:12:34:5g'");
    assert_parse_error("user,mac=52-54-00-12-34-56",
                       "--net: bad mac '52-54-00-12-34-56'");
    assert_parse_error("user,mac=01:00:5e:00:00:01",
                       "--net: mac '01:00:5e:00:00:01' is a multicast "
                       "address");
}

static void test_tap(void **state)
{
    (void)state;
    struct net_opts o = parse_ok("tap,ifname=tap0,mac=52:54:00:12:34:57");
    assert_int_equal(o.mode, NET_TAP);
    assert_string_equal(o.ifname, "tap0");
    assert_true(o.mac_set);
    assert_int_equal(o.mac[5], 0x57);
    o = parse_ok("tap,ifname=abcdefghijklmno");
    assert_string_equal(o.ifname, "abcdefghijklmno");
}

static void test_tap_errors(void **state)
{
    (void)state;
    assert_parse_error("tap", "--net tap needs ifname=NAME");
    assert_parse_error("tap,ifname=", "--net tap needs ifname=NAME");
    assert_parse_error("tap,ifname=abcdefghijklmnop",
                       "--net: ifname 'abcdefghijklmnop' is too long "
                       "(at most 15 characters)");
    assert_parse_error("tap,ifname=t0,hostfwd=tcp::1-:2",
                       "--net tap: unknown option 'hostfwd'");
}

static void test_bad_mode_and_options(void **state)
{
    (void)state;
    assert_parse_error("foo", "--net: unknown mode 'foo' (user, tap or none)");
    assert_parse_error("", "--net: unknown mode '' (user, tap or none)");
    assert_parse_error("user,ifname=x", "--net user: unknown option 'ifname'");
    assert_parse_error("user,mac", "--net user: bad option 'mac' (KEY=VALUE)");
    assert_parse_error("user,", "--net user: bad option '' (KEY=VALUE)");
    assert_parse_error("none,mac=52:54:00:12:34:56",
                       "--net none: unknown option 'mac'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_none),
        cmocka_unit_test(test_user_plain),
        cmocka_unit_test(test_user_hostfwd),
        cmocka_unit_test(test_hostfwd_default_tcp),
        cmocka_unit_test(test_hostfwd_limit),
        cmocka_unit_test(test_bad_hostfwd),
        cmocka_unit_test(test_mac),
        cmocka_unit_test(test_tap),
        cmocka_unit_test(test_tap_errors),
        cmocka_unit_test(test_bad_mode_and_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
