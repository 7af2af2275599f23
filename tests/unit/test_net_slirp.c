/* Unit tests of user networking with hand-made Ethernet frames from the
 * guest's side: ARP for the host, DHCP, an IPv6 router solicitation, a TCP
 * connection from the guest to the host's loopback through 10.0.2.2, a
 * host port forwarded to the guest, and a forward whose port is taken;
 * the stack's state saved and loaded into another (DHCP leases kept), and
 * bad states refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>

#include "base/rec.h"
#include "test_net.h"

#define ETH_ARP  0x0806
#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define IP_TCP   6
#define IP_UDP   17
#define IP_ICMPV6 58
#define TCP_SYN  0x02
#define TCP_ACK  0x10

#define GUEST_IP   0x0a00020fu  /* 10.0.2.15 */
#define HOST_IP    0x0a000202u  /* 10.0.2.2 */
#define GUEST_PORT 2222
#define GUEST_SRC_PORT 40000
#define DHCP_XID   0x12345678u

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct test_net net;

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* The Internet checksum of p, continuing from sum. */
static uint16_t csum(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += get16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static size_t put_eth(uint8_t *f, const uint8_t dst[6], uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, guest_mac, 6);
    put16(f + 12, type);
    return 14;
}

static size_t put_ip(uint8_t *p, uint8_t proto, uint32_t src, uint32_t dst,
                     size_t payload)
{
    memset(p, 0, 20);
    p[0] = 0x45;
    put16(p + 2, (uint16_t)(20 + payload));
    p[8] = 64;
    p[9] = proto;
    put32(p + 12, src);
    put32(p + 16, dst);
    put16(p + 10, csum(p, 20, 0));
    return 20;
}

/* Where the IPv4 payload of frame f starts, or 0 when f is not an IPv4
 * packet of protocol proto. */
static size_t ip_payload(const uint8_t *f, size_t len, uint8_t proto)
{
    if (len < 34 || get16(f + 12) != ETH_IPV4 || f[23] != proto)
        return 0;
    size_t off = 14 + (size_t)(f[14] & 0xf) * 4;
    return off < len ? off : 0;
}

/* A guest's ARP request "who has 10.0.2.2? tell 10.0.2.15"; slirp also
 * learns the guest's MAC from it. */
static bool is_arp_reply(const uint8_t *f, size_t len, void *ctx)
{
    (void)ctx;
    return len >= 42 && get16(f + 12) == ETH_ARP && get16(f + 20) == 2;
}

static void arp_for_host(void)
{
    uint8_t f[42] = { 0 };
    size_t n = put_eth(f, broadcast, ETH_ARP);
    put16(f + n, 1);            /* Ethernet */
    put16(f + n + 2, ETH_IPV4);
    f[n + 4] = 6;
    f[n + 5] = 4;
    put16(f + n + 6, 1);        /* request */
    memcpy(f + n + 8, guest_mac, 6);
    put32(f + n + 14, GUEST_IP);
    put32(f + n + 24, HOST_IP);
    test_net_send(&net, f, sizeof f);

    uint8_t r[TEST_NET_FRAME];
    size_t len = test_net_wait(&net, is_arp_reply, NULL, r);
    assert_true(len >= 42);
    assert_memory_equal(r, guest_mac, 6);
    assert_int_equal(get32(r + 28), HOST_IP);       /* sender: the host */
    assert_memory_equal(r + 32, guest_mac, 6);      /* target: us */
    assert_int_equal(get32(r + 38), GUEST_IP);
}

static void start_user(const char *hostfwd)
{
    struct net_opts o = { .mode = NET_USER };
    if (hostfwd) {
        struct err e = { 0 };
        char arg[128];
        snprintf(arg, sizeof arg, "user,hostfwd=%s", hostfwd);
        if (net_opts_parse(arg, &o, &e) < 0)
            fail_msg("%s", e.msg);
    }
    test_net_start(&net, &o);
}

static int teardown(void **state)
{
    (void)state;
    test_net_stop(&net);
    return 0;
}

static void test_arp_for_host(void **state)
{
    (void)state;
    start_user(NULL);
    arp_for_host();
}

static bool is_dhcp_reply(const uint8_t *f, size_t len, void *ctx)
{
    (void)ctx;
    size_t u = ip_payload(f, len, IP_UDP);
    return u && len >= u + 8 + 240 && get16(f + u) == 67 &&
           get16(f + u + 2) == 68 && get32(f + u + 8 + 4) == DHCP_XID;
}

/* The value of DHCP option tag in the options at opt, or -1. */
static int dhcp_option(const uint8_t *opt, size_t len, uint8_t tag)
{
    size_t i = 0;
    while (i + 2 <= len && opt[i] != 255) {
        if (opt[i] == 0) {
            i++;
            continue;
        }
        if (opt[i] == tag && opt[i + 1] >= 1 && i + 3 <= len)
            return opt[i + 2];
        i += 2 + (size_t)opt[i + 1];
    }
    return -1;
}

/* A DHCPDISCOVER for hardware address mac; returns the address offered. */
static uint32_t dhcp_offer(const uint8_t mac[6])
{
    /* BOOTP at its full size: 236 bytes of header, 312 of options. */
    enum { BOOTP = 548 };
    uint8_t f[14 + 20 + 8 + BOOTP] = { 0 };
    size_t n = put_eth(f, broadcast, ETH_IPV4);
    n += put_ip(f + n, IP_UDP, 0, 0xffffffffu, 8 + BOOTP);
    uint8_t *udp = f + n;
    put16(udp, 68);
    put16(udp + 2, 67);
    put16(udp + 4, 8 + BOOTP);  /* checksum 0: none */
    uint8_t *b = udp + 8;
    b[0] = 1;                   /* BOOTREQUEST */
    b[1] = 1;
    b[2] = 6;
    put32(b + 4, DHCP_XID);
    memcpy(b + 28, mac, 6);
    put32(b + 236, 0x63825363); /* magic cookie */
    const uint8_t opts[] = { 53, 1, 1, 255 };   /* DHCPDISCOVER */
    memcpy(b + 240, opts, sizeof opts);
    test_net_send(&net, f, sizeof f);

    uint8_t r[TEST_NET_FRAME];
    size_t len = test_net_wait(&net, is_dhcp_reply, NULL, r);
    assert_true(len > 0);
    const uint8_t *rb = r + ip_payload(r, len, IP_UDP) + 8;
    assert_int_equal(rb[0], 2);                     /* BOOTREPLY */
    assert_memory_equal(rb + 28, mac, 6);
    assert_int_equal(get32(rb + 236), 0x63825363);
    assert_int_equal(dhcp_option(rb + 240, len - (size_t)(rb + 240 - r), 53),
                     2);                            /* DHCPOFFER */
    return get32(rb + 16);                          /* yiaddr */
}

static void test_dhcp_offer(void **state)
{
    (void)state;
    start_user(NULL);
    assert_int_equal(dhcp_offer(guest_mac), GUEST_IP);
}

static bool is_router_advert(const uint8_t *f, size_t len, void *ctx)
{
    (void)ctx;
    return len >= 14 + 40 + 16 && get16(f + 12) == ETH_IPV6 &&
           f[14 + 6] == IP_ICMPV6 && f[14 + 40] == 134;
}

/* A router solicitation from the guest's link-local address gets an
 * advertisement of fec0::/64, the prefix the guest configures itself in. */
static void test_router_solicitation(void **state)
{
    (void)state;
    start_user(NULL);
    static const uint8_t all_routers_mac[6] = { 0x33, 0x33, 0, 0, 0, 2 };
    uint8_t f[14 + 40 + 8] = { 0 };
    size_t n = put_eth(f, all_routers_mac, ETH_IPV6);
    uint8_t *ip = f + n;
    ip[0] = 0x60;
    put16(ip + 4, 8);
    ip[6] = IP_ICMPV6;
    ip[7] = 255;
    const uint8_t src[16] = { 0xfe, 0x80, [8] = 0x50, 0x54, 0x00, 0xff, 0xfe,
                              0x12, 0x34, 0x56 };
    const uint8_t dst[16] = { 0xff, 0x02, [15] = 2 };
    memcpy(ip + 8, src, 16);
    memcpy(ip + 24, dst, 16);
    uint8_t *icmp = ip + 40;
    icmp[0] = 133;              /* router solicitation */
    uint8_t pseudo[40] = { 0 };
    memcpy(pseudo, src, 16);
    memcpy(pseudo + 16, dst, 16);
    put32(pseudo + 32, 8);
    pseudo[39] = IP_ICMPV6;
    put16(icmp + 2, csum(icmp, 8, (uint16_t)~csum(pseudo, sizeof pseudo, 0)));
    test_net_send(&net, f, sizeof f);

    uint8_t r[TEST_NET_FRAME];
    size_t len = test_net_wait(&net, is_router_advert, NULL, r);
    assert_true(len > 0);
    /* Find the prefix information option (type 3, 32 bytes). */
    static const uint8_t prefix[16] = { 0xfe, 0xc0 };
    bool found = false;
    for (size_t o = 14 + 40 + 16; o + 32 <= len && r[o + 1]; o += 8u * r[o + 1])
        if (r[o] == 3 && r[o + 1] == 4)
            found = r[o + 2] == 64 && !memcmp(r + o + 16, prefix, 16);
    assert_true(found);
}

static int listen_loopback(uint16_t *port)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s, 1), 0);
    socklen_t alen = sizeof a;
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
    *port = ntohs(a.sin_port);
    return s;
}

/* A loopback port that was free a moment ago. */
static uint16_t free_port(void)
{
    uint16_t port;
    close(listen_loopback(&port));
    return port;
}

static size_t put_tcp_syn(uint8_t *f, uint32_t dst, uint16_t dport)
{
    size_t n = put_eth(f, broadcast, ETH_IPV4);
    n += put_ip(f + n, IP_TCP, GUEST_IP, dst, 20);
    uint8_t *t = f + n;
    memset(t, 0, 20);
    put16(t, GUEST_SRC_PORT);
    put16(t + 2, dport);
    put32(t + 4, 1000);
    t[12] = 5 << 4;
    t[13] = TCP_SYN;
    put16(t + 14, 65535);
    uint8_t pseudo[12];
    put32(pseudo, GUEST_IP);
    put32(pseudo + 4, dst);
    pseudo[8] = 0;
    pseudo[9] = IP_TCP;
    put16(pseudo + 10, 20);
    put16(t + 16, csum(t, 20, (uint16_t)~csum(pseudo, sizeof pseudo, 0)));
    return n + 20;
}

/* The guest connects to 10.0.2.2:port; libslirp connects to the host's
 * 127.0.0.1:port, where the test accepts. */
static void test_guest_reaches_host_loopback(void **state)
{
    (void)state;
    uint16_t port;
    int ls = listen_loopback(&port);
    start_user(NULL);
    uint8_t f[64];
    size_t n = put_tcp_syn(f, HOST_IP, port);
    test_net_send(&net, f, n);

    struct pollfd p = { .fd = ls, .events = POLLIN };
    assert_int_equal(poll(&p, 1, TEST_NET_WAIT_MS), 1);
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    int c = accept(ls, (struct sockaddr *)&peer, &plen);
    assert_true(c >= 0);
    assert_int_equal(ntohl(peer.sin_addr.s_addr), INADDR_LOOPBACK);
    close(c);
    close(ls);
}

static bool is_syn_to_guest(const uint8_t *f, size_t len, void *ctx)
{
    (void)ctx;
    size_t t = ip_payload(f, len, IP_TCP);
    return t && len >= t + 20 && get32(f + 30) == GUEST_IP &&
           get16(f + t + 2) == GUEST_PORT &&
           (f[t + 13] & (TCP_SYN | TCP_ACK)) == TCP_SYN;
}

/* A connection to the forwarded host port reaches the guest as a SYN. */
static void test_hostfwd_reaches_guest(void **state)
{
    (void)state;
    uint16_t hport = free_port();
    char fwd[64];
    snprintf(fwd, sizeof fwd, "tcp:127.0.0.1:%u-:%d", hport, GUEST_PORT);
    start_user(fwd);
    arp_for_host();

    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    assert_true(s >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET,
                             .sin_port = htons(hport),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int r = connect(s, (struct sockaddr *)&a, sizeof a);
    assert_true(r == 0 || errno == EINPROGRESS);

    uint8_t f[TEST_NET_FRAME];
    size_t len = test_net_wait(&net, is_syn_to_guest, NULL, f);
    assert_true(len > 0);
    assert_memory_equal(f, guest_mac, 6);
    close(s);
}

static void test_hostfwd_port_taken(void **state)
{
    (void)state;
    uint16_t port;
    int ls = listen_loopback(&port);
    char arg[64];
    snprintf(arg, sizeof arg, "user,hostfwd=tcp:127.0.0.1:%u-:22", port);
    struct net_opts o;
    struct err e = { 0 };
    assert_int_equal(net_opts_parse(arg, &o, &e), 0);
    struct iothread *io = iothread_new(&e);
    assert_non_null(io);
    assert_null(net_backend_new(&o, io, test_net_rx, &net, &e));
    char want[64];
    snprintf(want, sizeof want, "--net: cannot forward tcp 127.0.0.1:%u",
             port);
    assert_string_equal(e.msg, want);
    assert_int_equal(e.errnum, EADDRINUSE);
    iothread_free(io);
    close(ls);
}

static void test_none_has_no_backend(void **state)
{
    (void)state;
    struct net_opts o = { .mode = NET_NONE };
    struct err e = { 0 };
    struct iothread *io = iothread_new(&e);
    assert_non_null(io);
    assert_null(net_backend_new(&o, io, test_net_rx, &net, &e));
    assert_string_equal(e.msg, "--net none has no back end");
    iothread_free(io);
}

/* The back end's part of a record (net_backend_save's), as the I/O
 * thread would see it: paused. */
static void save_state(struct rec_out *o)
{
    iothread_pause(net.io);
    *o = (struct rec_out){ 0 };
    rec_begin(o, "virtio-net", 2);
    net_backend_save(net.nb, o);
    rec_end(o);
    iothread_resume(net.io);
    struct err e = { 0 };
    assert_int_equal(rec_out_check(o, &e), 0);
}

/* Loads a record into the running back end: 0, or -1 with e filled. */
static int load_state(const void *buf, size_t len, struct err *e)
{
    struct rec_in in;
    rec_in_init(&in, buf, len);
    assert_int_equal(rec_open(&in, "virtio-net", 2, e), 2);
    iothread_pause(net.io);
    net_backend_load(net.nb, &in);
    iothread_resume(net.io);
    return rec_close(&in, e);
}

/* A lease made before a save is the guest's after a load into a new
 * stack: a fresh one would offer the first address to any NIC. */
static void test_state_keeps_leases(void **state)
{
    (void)state;
    static const uint8_t other_mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
    start_user(NULL);
    assert_int_equal(dhcp_offer(guest_mac), GUEST_IP);
    assert_int_equal(dhcp_offer(other_mac), GUEST_IP + 1);
    struct rec_out o;
    save_state(&o);
    test_net_stop(&net);
    start_user(NULL);
    struct err e = { 0 };
    if (load_state(o.buf, o.len, &e) < 0)
        fail_msg("%s", e.msg);
    rec_out_free(&o);
    assert_int_equal(dhcp_offer(other_mac), GUEST_IP + 1);
    assert_int_equal(dhcp_offer(guest_mac), GUEST_IP);
}

/* A back end's part with these fields: kind, then libslirp's version and
 * len bytes of state from bytes (n of them, the rest zero). */
static void bad_state(struct rec_out *o, uint8_t mode, uint32_t version,
                      uint32_t len, const uint8_t *bytes, size_t n)
{
    *o = (struct rec_out){ 0 };
    rec_begin(o, "virtio-net", 2);
    rec_u8(o, mode);
    rec_u32(o, version);
    rec_u32(o, len);
    for (uint32_t i = 0; i < len; i++)
        rec_u8(o, i < n ? bytes[i] : 0);
    rec_end(o);
}

static void test_bad_state_is_refused(void **state)
{
    (void)state;
    start_user(NULL);
    struct rec_out good;
    save_state(&good);
    uint8_t ours = good.buf[REC_HEADER_SIZE + 1];
    uint32_t good_len;
    memcpy(&good_len, good.buf + REC_HEADER_SIZE + 5, sizeof good_len);
    const uint8_t *good_bytes = good.buf + REC_HEADER_SIZE + 9;
    static const uint8_t garbage[] = { 42, 0xff, 0xff, 0xff, 0xff, 1, 2, 3 };
    const struct {
        uint8_t mode;
        uint32_t version, len;
        const uint8_t *bytes;
        size_t n;
        const char *why;
    } cases[] = {
        { NET_TAP, ours, 0, NULL, 0, "state of virtio-net: the snapshot's "
          "NIC was on --net tap, this one is on --net user" },
        { 3, ours, 0, NULL, 0, "state of virtio-net: a back end of kind 3" },
        { NET_USER, 0, 0, NULL, 0, NULL },
        { NET_USER, ours + 1, 0, NULL, 0, NULL },
        { NET_USER, ours, (1u << 20) + 1, NULL, 0, "state of virtio-net: "
          "1048577 bytes of user networking's state (at most 1048576)" },
        { NET_USER, ours, 100, NULL, 0, NULL },
        { NET_USER, ours, sizeof garbage, garbage, sizeof garbage, NULL },
        { NET_USER, ours, good_len + 1, good_bytes, good_len, "state of "
          "virtio-net: 1 bytes of user networking's state left unread" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rec_out o;
        bad_state(&o, cases[i].mode, cases[i].version, cases[i].len,
                  cases[i].bytes, cases[i].n);
        struct err e = { 0 };
        if (load_state(o.buf, o.len, &e) != -1)
            fail_msg("case %zu loads", i);
        if (cases[i].why)
            assert_string_equal(e.msg, cases[i].why);
        else
            assert_non_null(strstr(e.msg, "user networking"));
        rec_out_free(&o);
    }
    rec_out_free(&good);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_arp_for_host, teardown),
        cmocka_unit_test_teardown(test_dhcp_offer, teardown),
        cmocka_unit_test_teardown(test_router_solicitation, teardown),
        cmocka_unit_test_teardown(test_guest_reaches_host_loopback, teardown),
        cmocka_unit_test_teardown(test_hostfwd_reaches_guest, teardown),
        cmocka_unit_test(test_hostfwd_port_taken),
        cmocka_unit_test(test_none_has_no_backend),
        cmocka_unit_test_teardown(test_state_keeps_leases, teardown),
        cmocka_unit_test_teardown(test_bad_state_is_refused, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
