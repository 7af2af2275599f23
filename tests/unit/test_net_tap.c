/* Unit tests of the tap back end, in a private network namespace of this
 * process: frames the guest sends come out of the tap interface (seen on
 * a packet socket bound to it), frames sent into the interface reach the
 * guest, and a tap that cannot be opened (a bad name, or one with no
 * interface, which is not made) is a clear error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "test_net.h"

#define IFNAME "cellatap0"
/* Local experimental EtherTypes: nothing else on the link uses them. */
#define TYPE_TO_HOST  0x88b5
#define TYPE_TO_GUEST 0x88b6

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const char payload[] = "cella tap frame";

static char no_tap[256];        /* why taps cannot be made here, if so */
static struct test_net net;
static int pkt = -1;            /* packet socket on the tap interface */

/* A private network namespace keeps the test's interface off the host's
 * network; making a tap there shows whether the tests can run at all. The
 * tap persists (the back end opens only taps that exist) until the
 * namespace goes with this process. */
static int group_setup(void **state)
{
    (void)state;
    if (unshare(CLONE_NEWNET) < 0) {
        snprintf(no_tap, sizeof no_tap,
                 "cannot make a private network namespace: %s",
                 strerror(errno));
        return 0;
    }
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
    strcpy(ifr.ifr_name, IFNAME);
    if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0 ||
        ioctl(fd, TUNSETPERSIST, 1) < 0)
        snprintf(no_tap, sizeof no_tap, "cannot create a tap device: %s",
                 strerror(errno));
    if (fd >= 0)
        close(fd);
    return 0;
}

static void skip_without_tap(void)
{
    if (no_tap[0]) {
        print_message("skip: %s\n", no_tap);
        skip();
    }
}

static void set_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(s >= 0);
    struct ifreq ifr = { 0 };
    strcpy(ifr.ifr_name, IFNAME);
    assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
    ifr.ifr_flags |= IFF_UP;
    assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
    close(s);
}

/* The back end on tap IFNAME, the interface up, a packet socket on it. */
static void start_tap(void)
{
    struct net_opts o = { .mode = NET_TAP, .ifname = IFNAME };
    test_net_start(&net, &o);
    unsigned ifindex = if_nametoindex(IFNAME);
    assert_true(ifindex > 0);
    set_up();
    pkt = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    assert_true(pkt >= 0);
    struct sockaddr_ll a = { .sll_family = AF_PACKET,
                             .sll_protocol = htons(ETH_P_ALL),
                             .sll_ifindex = (int)ifindex };
    assert_int_equal(bind(pkt, (struct sockaddr *)&a, sizeof a), 0);
}

static int teardown(void **state)
{
    (void)state;
    if (pkt >= 0)
        close(pkt);
    pkt = -1;
    test_net_stop(&net);
    return 0;
}

static size_t make_frame(uint8_t *f, uint16_t type)
{
    memcpy(f, broadcast, 6);
    memcpy(f + 6, guest_mac, 6);
    f[12] = (uint8_t)(type >> 8);
    f[13] = (uint8_t)type;
    memcpy(f + 14, payload, sizeof payload);
    return 14 + sizeof payload;
}

static bool is_test_frame(const uint8_t *f, size_t len, void *ctx)
{
    uint16_t type = *(uint16_t *)ctx;
    return len >= 14 + sizeof payload && f[12] == (uint8_t)(type >> 8) &&
           f[13] == (uint8_t)type && !memcmp(f + 14, payload, sizeof payload);
}

static void test_guest_frame_leaves_tap(void **state)
{
    (void)state;
    skip_without_tap();
    start_tap();
    uint8_t f[64];
    size_t n = make_frame(f, TYPE_TO_HOST);
    test_net_send(&net, f, n);

    uint16_t type = TYPE_TO_HOST;
    bool seen = false;
    struct pollfd p = { .fd = pkt, .events = POLLIN };
    while (!seen && poll(&p, 1, TEST_NET_WAIT_MS) == 1) {
        uint8_t r[TEST_NET_FRAME];
        ssize_t len = recv(pkt, r, sizeof r, 0);
        assert_true(len > 0);
        seen = is_test_frame(r, (size_t)len, &type) &&
               !memcmp(r, f, (size_t)n);
    }
    assert_true(seen);
}

static void test_host_frame_reaches_guest(void **state)
{
    (void)state;
    skip_without_tap();
    start_tap();
    uint8_t f[64];
    size_t n = make_frame(f, TYPE_TO_GUEST);
    assert_int_equal(send(pkt, f, n, 0), (ssize_t)n);

    uint16_t type = TYPE_TO_GUEST;
    uint8_t r[TEST_NET_FRAME];
    size_t len = test_net_wait(&net, is_test_frame, &type, r);
    assert_int_equal(len, n);
    assert_memory_equal(r, f, n);
}

/* Interface names cannot hold a '/'. */
static void test_open_error(void **state)
{
    (void)state;
    struct net_opts o = { .mode = NET_TAP, .ifname = "bad/name" };
    struct err e = { 0 };
    struct iothread *io = iothread_new(&e);
    assert_non_null(io);
    assert_null(net_backend_new(&o, io, test_net_rx, &net, &e));
    assert_string_equal(e.msg, "--net tap: cannot open tap 'bad/name'");
    assert_int_not_equal(e.errnum, 0);
    iothread_free(io);
}

/* No interface by that name: an error, and no tap made for it. */
static void test_missing_tap(void **state)
{
    (void)state;
    skip_without_tap();
    struct net_opts o = { .mode = NET_TAP, .ifname = "cellanotap0" };
    struct err e = { 0 };
    struct iothread *io = iothread_new(&e);
    assert_non_null(io);
    assert_null(net_backend_new(&o, io, test_net_rx, &net, &e));
    assert_string_equal(e.msg, "--net tap: cannot open tap 'cellanotap0'");
    assert_int_equal(e.errnum, ENODEV);
    assert_int_equal(if_nametoindex("cellanotap0"), 0);
    iothread_free(io);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_guest_frame_leaves_tap, teardown),
        cmocka_unit_test_teardown(test_host_frame_reaches_guest, teardown),
        cmocka_unit_test(test_open_error),
        cmocka_unit_test(test_missing_tap),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
