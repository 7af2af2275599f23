/* User networking: a libslirp stack on the I/O thread. The guest sits on
 * 10.0.2.0/24 (and fec0::/64) behind NAT, with DHCP, a DNS forwarder to the
 * host's resolver, the host's loopback at 10.0.2.2, and host ports
 * forwarded in. libslirp's descriptors and timers are folded into the I/O
 * thread's poll before every wait. */
#include "vm/backend/net_impl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "vm/backend/slirp_lib.h"
#include "vm/iothread.h"

#define FRAME_MAX 65536
/* The virtual link carries 64 KiB packets: a guest sends a tenth as
 * many as with Ethernet's 1500, and each one costs it the same. */
#define USER_MTU 65520
#define SLIRP_CONFIG_VERSION 4  /* the first with timer_new_opaque */
/* libslirp's state: DHCP leases, the IP id, guest forwards' connections
 * (none here); a few hundred bytes. */
#define STATE_MAX (1u << 20)

/* A timer libslirp asked for; armed while expire_ms >= 0 (on the
 * clock_get_ns clock, in ms). */
struct slirp_timer {
    struct slirp_timer *next;
    SlirpTimerId id;
    void *cb_opaque;
    int64_t expire_ms;
};

struct net_slirp {
    struct net_backend nb;
    const struct slirp_lib *lib;
    Slirp *slirp;
    net_rx_fn *rx;
    void *opaque;
    struct slirp_timer *timers;
    struct io_poll *poll;       /* the poll set being filled or read */
    uint8_t frame[FRAME_MAX];   /* a guest frame gathered from its iovec */
};

static int64_t now_ms(void)
{
    return (int64_t)(now_ns() / 1000000);
}

static ssize_t send_packet(const void *buf, size_t len, void *opaque)
{
    struct net_slirp *ns = opaque;
    ns->rx(ns->opaque, buf, len);
    return (ssize_t)len;
}

static void guest_error(const char *msg, void *opaque)
{
    (void)opaque;
    fprintf(stderr, "cella: net: %s\n", msg);
}

static int64_t clock_get_ns(void *opaque)
{
    (void)opaque;
    return (int64_t)now_ns();
}

/* libslirp aborts itself when memory runs out; a timer is a few bytes. */
static void *timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
    struct net_slirp *ns = opaque;
    struct slirp_timer *t = malloc(sizeof *t);
    if (!t)
        abort();
    *t = (struct slirp_timer){ ns->timers, id, cb_opaque, -1 };
    ns->timers = t;
    return t;
}

static void timer_free(void *timer, void *opaque)
{
    struct net_slirp *ns = opaque;
    for (struct slirp_timer **pp = &ns->timers; *pp; pp = &(*pp)->next) {
        if (*pp == timer) {
            *pp = (*pp)->next;
            free(timer);
            return;
        }
    }
}

static void timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    (void)opaque;
    ((struct slirp_timer *)timer)->expire_ms = expire_ms;
}

/* The descriptor set is rebuilt before every poll on this same thread, so
 * there is nothing to track and no one to wake. */
static void poll_fd_untracked(int fd, void *opaque)
{
    (void)fd;
    (void)opaque;
}

static void notify(void *opaque)
{
    (void)opaque;
}

static const SlirpCb callbacks = {
    .send_packet = send_packet,
    .guest_error = guest_error,
    .clock_get_ns = clock_get_ns,
    .timer_free = timer_free,
    .timer_mod = timer_mod,
    .register_poll_fd = poll_fd_untracked,
    .unregister_poll_fd = poll_fd_untracked,
    .notify = notify,
    .timer_new_opaque = timer_new_opaque,
};

static int add_poll(int fd, int events, void *opaque)
{
    struct net_slirp *ns = opaque;
    short ev = 0;
    if (events & SLIRP_POLL_IN)
        ev |= POLLIN;
    if (events & SLIRP_POLL_OUT)
        ev |= POLLOUT;
    if (events & SLIRP_POLL_PRI)
        ev |= POLLPRI;
    return io_poll_add(ns->poll, fd, ev);
}

static int get_revents(int idx, void *opaque)
{
    struct net_slirp *ns = opaque;
    short r = io_poll_revents(ns->poll, idx);
    int ev = 0;
    if (r & POLLIN)
        ev |= SLIRP_POLL_IN;
    if (r & POLLOUT)
        ev |= SLIRP_POLL_OUT;
    if (r & POLLPRI)
        ev |= SLIRP_POLL_PRI;
    if (r & (POLLERR | POLLNVAL))
        ev |= SLIRP_POLL_ERR;
    if (r & POLLHUP)
        ev |= SLIRP_POLL_HUP;
    return ev;
}

static void prepare(void *opaque, struct io_poll *p, int *timeout_ms)
{
    struct net_slirp *ns = opaque;
    uint32_t t = *timeout_ms < 0 ? UINT32_MAX : (uint32_t)*timeout_ms;
    ns->poll = p;
    ns->lib->pollfds_fill(ns->slirp, &t, add_poll, ns);
    int64_t now = now_ms();
    for (struct slirp_timer *tm = ns->timers; tm; tm = tm->next) {
        if (tm->expire_ms < 0)
            continue;
        int64_t left = tm->expire_ms > now ? tm->expire_ms - now : 0;
        if (left < t)
            t = (uint32_t)left;
    }
    if (t != UINT32_MAX)
        *timeout_ms = t > INT_MAX ? INT_MAX : (int)t;
}

/* A timer is disarmed before its handler runs, which may arm it again. */
static void run_timers(struct net_slirp *ns)
{
    int64_t now = now_ms();
    struct slirp_timer *next;
    for (struct slirp_timer *tm = ns->timers; tm; tm = next) {
        next = tm->next;
        if (tm->expire_ms < 0 || tm->expire_ms > now)
            continue;
        tm->expire_ms = -1;
        ns->lib->handle_timer(ns->slirp, tm->id, tm->cb_opaque);
    }
}

static void dispatch(void *opaque, struct io_poll *p)
{
    struct net_slirp *ns = opaque;
    ns->poll = p;
    ns->lib->pollfds_poll(ns->slirp, 0, get_revents, ns);
    run_timers(ns);
}

static void user_send(struct net_backend *nb, const struct iovec *iov,
                      int iovcnt)
{
    struct net_slirp *ns = (struct net_slirp *)nb;
    size_t len = 0;
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len > sizeof ns->frame - len)
            return;
        memcpy(ns->frame + len, iov[i].iov_base, iov[i].iov_len);
        len += iov[i].iov_len;
    }
    ns->lib->input(ns->slirp, ns->frame, (int)len);
}

static void user_free(struct net_backend *nb)
{
    struct net_slirp *ns = (struct net_slirp *)nb;
    if (ns->slirp)
        ns->lib->cleanup(ns->slirp);
    free(ns);
}

static ssize_t put_state(const void *buf, size_t len, void *opaque)
{
    rec_bytes(opaque, buf, len);
    return (ssize_t)len;
}

static void user_save(struct net_backend *nb, struct rec_out *o)
{
    struct net_slirp *ns = (struct net_slirp *)nb;
    struct rec_out state = {0};
    ns->lib->state_save(ns->slirp, put_state, &state);
    rec_u32(o, (uint32_t)ns->lib->state_version());
    rec_u32(o, (uint32_t)state.len);
    rec_bytes(o, state.buf, state.len);
    o->nomem |= state.nomem;
    rec_out_free(&state);
}

/* libslirp's state being read back. A read past its end comes short,
 * and is remembered: libslirp 4.7 does not always notice. */
struct state_in {
    const uint8_t *buf;
    size_t len, pos;
    bool short_read;
};

static ssize_t get_state(void *buf, size_t len, void *opaque)
{
    struct state_in *s = opaque;
    size_t n = len < s->len - s->pos ? len : s->len - s->pos;
    memcpy(buf, s->buf + s->pos, n);
    s->pos += n;
    s->short_read |= n < len;
    return (ssize_t)n;
}

static void user_load(struct net_backend *nb, struct rec_in *in)
{
    struct net_slirp *ns = (struct net_slirp *)nb;
    uint32_t version = rec_get_u32(in), len = rec_get_u32(in);
    int ours = ns->lib->state_version();
    if (rec_ok(in) && (version == 0 || version > (uint32_t)ours))
        rec_fail(in, "user networking's state of version %u (this "
                 "libslirp reads 1 to %d)", version, ours);
    if (len > STATE_MAX)
        rec_fail(in, "%u bytes of user networking's state (at most %u)", len,
                 STATE_MAX);
    uint8_t *buf = rec_ok(in) ? malloc(len ? len : 1) : NULL;
    if (rec_ok(in) && !buf)
        rec_fail(in, "out of memory");
    if (!buf)
        return;
    rec_get_bytes(in, buf, len);
    struct state_in s = { buf, len, 0, false };
    int r = rec_ok(in) ?
            ns->lib->state_load(ns->slirp, (int)version, get_state, &s) : 0;
    if (r < 0)
        rec_fail(in, "libslirp refuses the user networking state (%s)",
                 strerror(-r));
    else if (s.short_read)
        rec_fail(in, "user networking's state ends early");
    else if (rec_ok(in) && s.pos != len)
        rec_fail(in, "%zu bytes of user networking's state left unread",
                 len - s.pos);
    free(buf);
}

static const struct net_backend_ops user_ops = {
    .send = user_send,
    .free = user_free,
    .save = user_save,
    .load = user_load,
};

static int add_hostfwd(struct net_slirp *ns, const struct hostfwd *f,
                       struct err *e)
{
    errno = 0;
    if (ns->lib->add_hostfwd(ns->slirp, f->udp, f->haddr, f->hport, f->gaddr,
                          f->gport) == 0)
        return 0;
    int why = errno;
    char addr[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &f->haddr, addr, sizeof addr);
    return err_set(e, why, "--net: cannot forward %s %s:%u",
                   f->udp ? "udp" : "tcp", addr, f->hport);
}

struct net_backend *net_slirp_new(const struct net_opts *o,
                                  struct iothread *io, net_rx_fn *rx,
                                  void *opaque, struct err *e)
{
    struct net_slirp *ns = calloc(1, sizeof *ns);
    if (!ns) {
        err_set(e, ENOMEM, "--net user: cannot allocate the network");
        return NULL;
    }
    ns->nb.ops = &user_ops;
    ns->nb.mtu = USER_MTU;
    ns->nb.mode = NET_USER;
    ns->rx = rx;
    ns->opaque = opaque;
    ns->lib = slirp_lib_load(e);
    if (!ns->lib)
        goto fail;
    SlirpConfig cfg = {
        .version = SLIRP_CONFIG_VERSION,
        .in_enabled = true,
        .vnetwork.s_addr = htonl(NET_USER_NET),
        .vnetmask.s_addr = htonl(NET_USER_MASK),
        .vhost.s_addr = htonl(NET_USER_HOST),
        .vdhcp_start.s_addr = htonl(NET_USER_GUEST),
        .vnameserver.s_addr = htonl(NET_USER_DNS),
        .in6_enabled = true,
        .vprefix_len = 64,
        .if_mtu = USER_MTU,
        .if_mru = USER_MTU,
    };
    inet_pton(AF_INET6, "fec0::", &cfg.vprefix_addr6);
    inet_pton(AF_INET6, "fec0::2", &cfg.vhost6);
    inet_pton(AF_INET6, "fec0::3", &cfg.vnameserver6);
    ns->slirp = ns->lib->new_(&cfg, &callbacks, ns);
    if (!ns->slirp) {
        err_set(e, 0, "--net user: cannot start the network stack");
        goto fail;
    }
    for (int i = 0; i < o->nfwd; i++)
        if (add_hostfwd(ns, &o->fwd[i], e) < 0)
            goto fail;
    struct io_source src = { prepare, dispatch, ns };
    if (iothread_add_source(io, &src, e) < 0)
        goto fail;
    return &ns->nb;
fail:
    user_free(&ns->nb);
    return NULL;
}
