/* Unit tests of virtio state records (virtio_save, virtio_load): each
 * device is driven into a state through the registers and its queues,
 * saved, and loaded into a fresh device of its own over a copy of the
 * guest's RAM; then both are asked the same things (every register, the
 * next requests) and must answer alike. Records built by hand, with a
 * valid checksum but a value the registers could not have produced, cut
 * short, or of another version, are refused with the device unchanged;
 * every byte of a transport record changed is refused or taken whole
 * (test_state.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/rec.h"
#include "vm/backend/net_impl.h"
#include "vm/bus.h"
#include "vm/virtio/9p.h"
#include "vm/virtio/blk.h"
#include "vm/virtio/console.h"
#include "vm/virtio/mmio.h"
#include "vm/virtio/net.h"
#include "vm/virtio/rng.h"
#include "test_state.h"
#include "test_virtio_driver.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1u << 20)
#define QSIZE 16
#define BUF_GPA (RAM_BASE + 0x10000)    /* the driver's data buffers */
#define IMG_SIZE (1u << 16)
#define OUT_MAX 8192

static const uint64_t VERSION_1 = 1ull << VIRTIO_F_VERSION_1,
                      EVENT_IDX = 1ull << VIRTIO_RING_F_EVENT_IDX,
                      INDIRECT = 1ull << VIRTIO_RING_F_INDIRECT_DESC;
static const uint32_t S_RUNNING = VIRTIO_CONFIG_S_ACKNOWLEDGE |
                                  VIRTIO_CONFIG_S_DRIVER |
                                  VIRTIO_CONFIG_S_FEATURES_OK |
                                  VIRTIO_CONFIG_S_DRIVER_OK;

/* virtio-net's back end here: frames sent are kept, frames for the guest
 * are handed in by the test. */
struct fake_net {
    struct net_backend nb;
    net_rx_fn *rx;
    void *opaque;
    uint8_t sent[OUT_MAX];
    size_t sent_len;
};

/* One guest: its RAM, the device on it, what the device sent out of the
 * machine, its interrupt line, and the driver's next free descriptor of
 * each queue (the driver's memory, so copied with the RAM). */
struct guest {
    struct bus bus;
    struct virtio_dev *d;
    uint8_t out[OUT_MAX];       /* console output */
    size_t out_len;
    struct fake_net *net;
    bool line;
    unsigned line_sets;
    uint16_t next_desc[2];
};

static struct guest ga, gb;
static char img_a[] = "/tmp/cella-test-state-a-XXXXXX";
static char img_b[] = "/tmp/cella-test-state-b-XXXXXX";
static char share[] = "/tmp/cella-test-state-share-XXXXXX";
static struct fake_net *made_net;      /* the last one fake_net_new made */

/* The segments appended to buf (OUT_MAX bytes, *len of them used). */
static void append(uint8_t *buf, size_t *len, const struct iovec *iov,
                   unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        assert_true(iov[i].iov_len <= OUT_MAX - *len);
        memcpy(buf + *len, iov[i].iov_base, iov[i].iov_len);
        *len += iov[i].iov_len;
    }
}

static void fake_send(struct net_backend *nb, const struct iovec *iov,
                      int iovcnt)
{
    struct fake_net *f = (struct fake_net *)nb;
    append(f->sent, &f->sent_len, iov, (unsigned)iovcnt);
}

static void fake_free(struct net_backend *nb)
{
    free(nb);
}

static const struct net_backend_ops fake_ops = {
    .send = fake_send,
    .free = fake_free,
};

static struct net_backend *fake_net_new(const struct net_opts *o,
                                        struct iothread *io, net_rx_fn *rx,
                                        void *opaque, struct err *e)
{
    (void)io;
    (void)e;
    made_net = calloc(1, sizeof *made_net);
    assert_non_null(made_net);
    made_net->nb = (struct net_backend){ .ops = &fake_ops, .mtu = 1500,
                                         .mode = o->mode };
    made_net->rx = rx;
    made_net->opaque = opaque;
    return &made_net->nb;
}

static void to_guest_out(void *opaque, const struct iovec *iov, unsigned n)
{
    struct guest *g = opaque;
    append(g->out, &g->out_len, iov, n);
}

static void set_line(void *opaque, unsigned irq, bool level)
{
    struct guest *g = opaque;
    assert_int_equal(irq, 7);
    g->line = level;
    g->line_sets++;
}

enum kind { BLK, CONSOLE, NET, RNG, P9 };

/* A device of this kind for g, made with the same options whichever
 * guest it is for (blk: images of the same size). */
static void make(struct guest *g, enum kind k)
{
    struct err e = {0};
    char arg[96];
    switch (k) {
    case BLK:
        g->d = virtio_blk_new(&g->bus, g == &ga ? img_a : img_b, true, &e);
        break;
    case CONSOLE:
        g->d = virtio_console_new(&g->bus, to_guest_out, g, &e);
        break;
    case NET:
        g->d = virtio_net_new(&g->bus, NULL, "none", 0, fake_net_new, &e);
        g->net = made_net;
        break;
    case RNG:
        g->d = virtio_rng_new(&g->bus, &e);
        break;
    case P9:
        snprintf(arg, sizeof arg, "%s,tag=t", share);
        g->d = virtio_9p_new(&g->bus, arg, &e);
        break;
    }
    if (!g->d)
        fail_msg("device: %s", e.msg);
    g->d->irq = (struct irq_line){ .set = set_line, .opaque = g, .irq = 7 };
}

static void make_image(char *path)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    uint8_t fill[IMG_SIZE];
    memset(fill, 0xaa, sizeof fill);
    assert_int_equal(write(fd, fill, sizeof fill), sizeof fill);
    close(fd);
}

static int setup(void **state)
{
    (void)state;
    struct guest *gs[] = { &ga, &gb };
    for (unsigned i = 0; i < 2; i++) {
        memset(gs[i], 0, sizeof *gs[i]);
        gs[i]->bus = (struct bus){ .ram = calloc(1, RAM_SIZE),
                                   .ram_base = RAM_BASE,
                                   .ram_size = RAM_SIZE };
        assert_non_null(gs[i]->bus.ram);
    }
    strcpy(img_a + strlen(img_a) - 6, "XXXXXX");
    strcpy(img_b + strlen(img_b) - 6, "XXXXXX");
    strcpy(share + strlen(share) - 6, "XXXXXX");
    make_image(img_a);
    make_image(img_b);
    assert_non_null(mkdtemp(share));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    struct guest *gs[] = { &ga, &gb };
    for (unsigned i = 0; i < 2; i++) {
        if (gs[i]->d)
            gs[i]->d->ops->destroy(gs[i]->d);
        free(gs[i]->bus.ram);
    }
    unlink(img_a);
    unlink(img_b);
    rmdir(share);
    return 0;
}

/* ---- the driver ---- */

static void *gpa(struct guest *g, uint64_t a)
{
    assert_true(a >= RAM_BASE && a - RAM_BASE < RAM_SIZE);
    return g->bus.ram + (a - RAM_BASE);
}

static uint64_t desc_gpa(unsigned q) { return RAM_BASE + 0x1000 * (q + 1); }
static uint64_t avail_gpa(unsigned q) { return desc_gpa(q) + 0x400; }
static uint64_t used_gpa(unsigned q) { return desc_gpa(q) + 0x800; }

static struct vring_desc *desc(struct guest *g, unsigned q)
{
    return gpa(g, desc_gpa(q));
}

static struct vring_avail *avail(struct guest *g, unsigned q)
{
    return gpa(g, avail_gpa(q));
}

static struct vring_used *used(struct guest *g, unsigned q)
{
    return gpa(g, used_gpa(q));
}

/* The driver's used_event: interrupt once the used index passes it. */
static uint16_t *used_event(struct guest *g, unsigned q)
{
    return &avail(g, q)->ring[QSIZE];
}

static uint32_t rd(struct guest *g, uint64_t off)
{
    return (uint32_t)virtio_mmio_read(g->d, off, 4);
}

static void wr(struct guest *g, uint64_t off, uint32_t val)
{
    virtio_mmio_write(g->d, off, val, 4);
}

/* Features negotiated, each queue of QSIZE entries, DRIVER_OK. */
static void driver_start(struct guest *g, uint64_t features)
{
    assert_true(virtio_negotiate(g->d, VERSION_1 | features) &
                VIRTIO_CONFIG_S_FEATURES_OK);
    for (unsigned q = 0; q < g->d->ops->nqueues; q++) {
        memset(gpa(g, desc_gpa(q)), 0, 0x1000);
        wr(g, VIRTIO_MMIO_QUEUE_SEL, q);
        wr(g, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
        const uint64_t rings[][2] = {
            { VIRTIO_MMIO_QUEUE_DESC_LOW, desc_gpa(q) },
            { VIRTIO_MMIO_QUEUE_AVAIL_LOW, avail_gpa(q) },
            { VIRTIO_MMIO_QUEUE_USED_LOW, used_gpa(q) },
        };
        for (unsigned i = 0; i < 3; i++) {
            wr(g, rings[i][0], (uint32_t)rings[i][1]);
            wr(g, rings[i][0] + 4, (uint32_t)(rings[i][1] >> 32));
        }
        wr(g, VIRTIO_MMIO_QUEUE_READY, 1);
        assert_int_equal(rd(g, VIRTIO_MMIO_QUEUE_READY), 1);
        g->next_desc[q] = 0;
    }
    wr(g, VIRTIO_MMIO_STATUS, S_RUNNING);
    assert_int_equal(rd(g, VIRTIO_MMIO_STATUS), S_RUNNING);
    virtio_process(g->d);
}

struct seg {
    uint64_t addr;
    uint32_t len;
    bool writable;
};

/* Descriptors for the segments, chained, and the head made available. */
static uint16_t add_chain(struct guest *g, unsigned q, const struct seg *s,
                          unsigned n)
{
    uint16_t head = g->next_desc[q];
    for (unsigned i = 0; i < n; i++) {
        uint16_t at = (uint16_t)((head + i) % QSIZE);
        desc(g, q)[at] = (struct vring_desc){
            .addr = s[i].addr,
            .len = s[i].len,
            .flags = (uint16_t)((s[i].writable ? VRING_DESC_F_WRITE : 0) |
                                (i + 1 < n ? VRING_DESC_F_NEXT : 0)),
            .next = (uint16_t)((at + 1) % QSIZE),
        };
    }
    g->next_desc[q] = (uint16_t)((head + n) % QSIZE);
    struct vring_avail *a = avail(g, q);
    a->ring[a->idx % QSIZE] = head;
    __atomic_store_n(&a->idx, (uint16_t)(a->idx + 1), __ATOMIC_RELEASE);
    return head;
}

static void notify(struct guest *g, unsigned q)
{
    wr(g, VIRTIO_MMIO_QUEUE_NOTIFY, q);
    virtio_process(g->d);
}

/* A virtio-blk request: header, out_len bytes of data from BUF_GPA,
 * in_len writable bytes at BUF_GPA + 0x8000, the status byte. */
static void blk_request(struct guest *g, uint32_t type, uint64_t sector,
                        uint32_t out_len, uint32_t in_len)
{
    const uint64_t hdr = BUF_GPA + 0x7000, status = BUF_GPA + 0x7100;
    *(struct virtio_blk_outhdr *)gpa(g, hdr) =
        (struct virtio_blk_outhdr){ .type = type, .sector = sector };
    struct seg s[4];
    unsigned n = 0;
    s[n++] = (struct seg){ hdr, sizeof(struct virtio_blk_outhdr), false };
    if (out_len)
        s[n++] = (struct seg){ BUF_GPA, out_len, false };
    if (in_len)
        s[n++] = (struct seg){ BUF_GPA + 0x8000, in_len, true };
    s[n++] = (struct seg){ status, 1, true };
    add_chain(g, 0, s, n);
    notify(g, 0);
}

/* ---- saving, loading, comparing ---- */

/* The two devices as test_state.h takes them. */
static void save_a(struct rec_out *o)
{
    virtio_save(ga.d, o);
}

static void save_b(struct rec_out *o)
{
    virtio_save(gb.d, o);
}

static int load_b(struct rec_in *in, struct err *e)
{
    return virtio_load(gb.d, in, e);
}

/* What gb's device shows outside its records: its interrupt line (how
 * often it was driven, and its level). */
static uint64_t line_b(void)
{
    return (uint64_t)gb.line_sets << 1 | gb.line;
}

/* ga's device saved, and loaded into gb's fresh one over a copy of ga's
 * RAM (the driver's positions with it). */
static void move_to_b(void)
{
    struct rec_out o;
    state_save(save_a, &o);
    memcpy(gb.bus.ram, ga.bus.ram, RAM_SIZE);
    memcpy(gb.next_desc, ga.next_desc, sizeof gb.next_desc);
    struct err e = {0};
    if (state_load(load_b, o.buf, o.len, &e) < 0)
        fail_msg("load: %s", e.msg);
    rec_out_free(&o);
}

/* Both devices answer every register alike: first at the selectors as
 * they are, then at each. The selectors end alike too. */
static void same_registers(void)
{
    static const uint64_t regs[] = {
        VIRTIO_MMIO_MAGIC_VALUE, VIRTIO_MMIO_VERSION, VIRTIO_MMIO_DEVICE_ID,
        VIRTIO_MMIO_VENDOR_ID, VIRTIO_MMIO_DEVICE_FEATURES,
        VIRTIO_MMIO_QUEUE_NUM_MAX, VIRTIO_MMIO_QUEUE_READY,
        VIRTIO_MMIO_INTERRUPT_STATUS, VIRTIO_MMIO_STATUS,
        VIRTIO_MMIO_CONFIG_GENERATION,
    };
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++)
        assert_int_equal(rd(&ga, regs[i]), rd(&gb, regs[i]));
    for (uint64_t off = 0; off < VIRTIO_CONFIG_MAX; off++)
        assert_int_equal(virtio_mmio_read(ga.d, VIRTIO_MMIO_CONFIG + off, 1),
                         virtio_mmio_read(gb.d, VIRTIO_MMIO_CONFIG + off, 1));
    for (uint32_t sel = 0; sel < 3; sel++) {
        wr(&ga, VIRTIO_MMIO_DEVICE_FEATURES_SEL, sel);
        wr(&gb, VIRTIO_MMIO_DEVICE_FEATURES_SEL, sel);
        assert_int_equal(rd(&ga, VIRTIO_MMIO_DEVICE_FEATURES),
                         rd(&gb, VIRTIO_MMIO_DEVICE_FEATURES));
    }
    for (uint32_t q = 0; q <= ga.d->ops->nqueues; q++) {
        wr(&ga, VIRTIO_MMIO_QUEUE_SEL, q);
        wr(&gb, VIRTIO_MMIO_QUEUE_SEL, q);
        assert_int_equal(rd(&ga, VIRTIO_MMIO_QUEUE_NUM_MAX),
                         rd(&gb, VIRTIO_MMIO_QUEUE_NUM_MAX));
        assert_int_equal(rd(&ga, VIRTIO_MMIO_QUEUE_READY),
                         rd(&gb, VIRTIO_MMIO_QUEUE_READY));
    }
}

/* Guest RAM and what left each machine are the same. */
static void same_world(void)
{
    assert_memory_equal(ga.bus.ram, gb.bus.ram, RAM_SIZE);
    assert_int_equal(ga.out_len, gb.out_len);
    assert_memory_equal(ga.out, gb.out, ga.out_len);
}

/* The same request to both, notified: the same used entry, in the same
 * place, and the same interrupt status. */
static void both_notify(unsigned q)
{
    notify(&ga, q);
    notify(&gb, q);
    assert_int_equal(used(&ga, q)->idx, used(&gb, q)->idx);
    assert_int_equal(rd(&ga, VIRTIO_MMIO_INTERRUPT_STATUS),
                     rd(&gb, VIRTIO_MMIO_INTERRUPT_STATUS));
}

static void both_ack(void)
{
    wr(&ga, VIRTIO_MMIO_INTERRUPT_ACK, rd(&ga, VIRTIO_MMIO_INTERRUPT_STATUS));
    wr(&gb, VIRTIO_MMIO_INTERRUPT_ACK, rd(&gb, VIRTIO_MMIO_INTERRUPT_STATUS));
}

/* ---- each device saved and loaded ---- */

/* Event-idx on: after three requests the driver's used_event is stale,
 * so the restored queue must remember when it last interrupted. */
static void test_blk_moves(void **state)
{
    (void)state;
    make(&ga, BLK);
    make(&gb, BLK);
    driver_start(&ga, EVENT_IDX | INDIRECT |
                      (1ull << VIRTIO_BLK_F_FLUSH));
    memset(gpa(&ga, BUF_GPA), 0x5c, 1024);
    blk_request(&ga, VIRTIO_BLK_T_OUT, 4, 1024, 0);
    blk_request(&ga, VIRTIO_BLK_T_IN, 4, 0, 512);
    blk_request(&ga, VIRTIO_BLK_T_FLUSH, 0, 0, 0);
    assert_int_equal(used(&ga, 0)->idx, 3);
    assert_int_equal(rd(&ga, VIRTIO_MMIO_INTERRUPT_STATUS),
                     VIRTIO_MMIO_INT_VRING);
    /* The image as the write left it, for the second device too. */
    int a = open(img_a, O_RDONLY), b = open(img_b, O_WRONLY);
    uint8_t img[IMG_SIZE];
    assert_int_equal(read(a, img, sizeof img), sizeof img);
    assert_int_equal(write(b, img, sizeof img), sizeof img);
    close(a);
    close(b);
    wr(&ga, VIRTIO_MMIO_QUEUE_SEL, 3);
    wr(&ga, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);

    move_to_b();
    assert_true(gb.line);
    same_registers();
    same_world();

    /* Used_event 0 is long passed: no interrupt for the next one. */
    both_ack();
    blk_request(&ga, VIRTIO_BLK_T_IN, 4, 0, 1024);
    blk_request(&gb, VIRTIO_BLK_T_IN, 4, 0, 1024);
    assert_int_equal(used(&gb, 0)->idx, 4);
    assert_int_equal(rd(&gb, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
    assert_memory_equal(gpa(&gb, BUF_GPA + 0x8000), gpa(&gb, BUF_GPA), 1024);
    same_world();
    /* Asked for one after the next: interrupted at the right one. */
    *used_event(&ga, 0) = *used_event(&gb, 0) = 4;
    blk_request(&ga, VIRTIO_BLK_T_GET_ID, 0, 0, 20);
    blk_request(&gb, VIRTIO_BLK_T_GET_ID, 0, 0, 20);
    assert_int_equal(used(&gb, 0)->idx, 5);
    assert_int_equal(used(&gb, 0)->ring[4].id, used(&ga, 0)->ring[4].id);
    assert_int_equal(rd(&gb, VIRTIO_MMIO_INTERRUPT_STATUS),
                     VIRTIO_MMIO_INT_VRING);
    same_registers();
    same_world();
}

/* Input held in the device, its ring wrapped, moves with it; output
 * goes on from where it was. */
static void test_console_moves(void **state)
{
    (void)state;
    make(&ga, CONSOLE);
    make(&gb, CONSOLE);
    static uint8_t in[7000];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 13 + i / 256);
    assert_int_equal(virtio_console_rx(ga.d, in, 4000), 4000);
    driver_start(&ga, EVENT_IDX);
    add_chain(&ga, 0, &(struct seg){ BUF_GPA, 3000, true }, 1);
    notify(&ga, 0);
    assert_int_equal(used(&ga, 0)->ring[0].len, 3000);
    assert_int_equal(virtio_console_rx(ga.d, in + 4000, 3000), 3000);
    memcpy(gpa(&ga, BUF_GPA + 0x4000), "hello", 5);
    add_chain(&ga, 1, &(struct seg){ BUF_GPA + 0x4000, 5, false }, 1);
    notify(&ga, 1);
    assert_int_equal(ga.out_len, 5);
    memcpy(gb.out, ga.out, ga.out_len);
    gb.out_len = ga.out_len;

    move_to_b();
    same_registers();
    same_world();

    add_chain(&ga, 0, &(struct seg){ BUF_GPA + 0x8000, 8000, true }, 1);
    add_chain(&gb, 0, &(struct seg){ BUF_GPA + 0x8000, 8000, true }, 1);
    both_notify(0);
    assert_int_equal(used(&gb, 0)->ring[1].len, 4000);
    assert_memory_equal(gpa(&gb, BUF_GPA + 0x8000), in + 3000, 4000);
    memcpy(gpa(&ga, BUF_GPA + 0x4000), ", world", 7);
    memcpy(gpa(&gb, BUF_GPA + 0x4000), ", world", 7);
    add_chain(&ga, 1, &(struct seg){ BUF_GPA + 0x4000, 7, false }, 1);
    add_chain(&gb, 1, &(struct seg){ BUF_GPA + 0x4000, 7, false }, 1);
    both_notify(1);
    assert_memory_equal(gb.out, "hello, world", 12);
    same_registers();
    same_world();
}

static void net_frames(struct guest *g, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint8_t frame[60 + 8 * QSIZE];
        size_t len = 60 + 8 * i;
        memset(frame, 0x30 + (int)i, len);
        g->net->rx(g->net->opaque, frame, len);
    }
}

/* Frames that found no receive buffer wait in the device and move with
 * it; the back end (here a fake one) stays behind. */
static void test_net_moves(void **state)
{
    (void)state;
    make(&ga, NET);
    make(&gb, NET);
    driver_start(&ga, 0);
    add_chain(&ga, 0, &(struct seg){ BUF_GPA, 2048, true }, 1);
    notify(&ga, 0);
    net_frames(&ga, 4);
    assert_int_equal(used(&ga, 0)->idx, 1);
    memset(gpa(&ga, BUF_GPA + 0x4000), 0, 12);
    memset(gpa(&ga, BUF_GPA + 0x4000 + 12), 0x77, 64);
    add_chain(&ga, 1, &(struct seg){ BUF_GPA + 0x4000, 76, false }, 1);
    notify(&ga, 1);
    assert_int_equal(ga.net->sent_len, 64);

    move_to_b();
    same_registers();
    same_world();

    for (unsigned i = 0; i < 3; i++) {
        add_chain(&ga, 0, &(struct seg){ BUF_GPA + 0x1000 * (i + 1), 2048,
                                         true }, 1);
        add_chain(&gb, 0, &(struct seg){ BUF_GPA + 0x1000 * (i + 1), 2048,
                                         true }, 1);
    }
    both_notify(0);
    assert_int_equal(used(&gb, 0)->idx, 4);
    assert_int_equal(used(&gb, 0)->ring[3].len, 12 + 60 + 8 * 3);
    same_world();
    assert_int_equal(gb.net->sent_len, 0);
}

static void test_rng_moves(void **state)
{
    (void)state;
    make(&ga, RNG);
    make(&gb, RNG);
    driver_start(&ga, INDIRECT);
    for (unsigned i = 0; i < 3; i++) {
        add_chain(&ga, 0, &(struct seg){ BUF_GPA, 64, true }, 1);
        notify(&ga, 0);
    }
    move_to_b();
    same_registers();
    add_chain(&ga, 0, &(struct seg){ BUF_GPA, 32, true }, 1);
    add_chain(&gb, 0, &(struct seg){ BUF_GPA, 32, true }, 1);
    both_notify(0);
    assert_int_equal(used(&gb, 0)->idx, 4);
    assert_int_equal(used(&gb, 0)->ring[3].len, 32);
    assert_int_equal(used(&gb, 0)->ring[3].id, used(&ga, 0)->ring[3].id);
}

/* A 9P message: size[4] type[1] tag[2], then body, at BUF_GPA; the reply
 * goes to BUF_GPA + 0x4000. Returns the reply's type. */
static uint8_t p9_request(struct guest *g, uint8_t type, const void *body,
                          uint32_t len)
{
    uint8_t *m = gpa(g, BUF_GPA);
    uint32_t size = 7 + len;
    memcpy(m, &size, 4);
    m[4] = type;
    m[5] = 1;
    m[6] = 0;
    memcpy(m + 7, body, len);
    add_chain(g, 0, (struct seg[]){ { BUF_GPA, size, false },
                                    { BUF_GPA + 0x4000, 0x4000, true } }, 2);
    notify(g, 0);
    return *(uint8_t *)gpa(g, BUF_GPA + 0x4004);
}

/* The fid the guest attached moves with the device: the fresh one can
 * clunk it, and only it. */
static void test_9p_moves(void **state)
{
    (void)state;
    make(&ga, P9);
    make(&gb, P9);
    driver_start(&ga, 0);
    static const uint8_t version[] = { 0x00, 0x20, 0, 0, 8, 0,
                                       '9', 'P', '2', '0', '0', '0', '.',
                                       'L' };
    assert_int_equal(p9_request(&ga, 100, version, sizeof version), 101);
    static const uint8_t attach[] = { 5, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
                                      0, 0, 0, 0, 0, 0, 0, 0 };
    assert_int_equal(p9_request(&ga, 104, attach, sizeof attach), 105);
    move_to_b();
    same_registers();
    static const uint8_t fid6[] = { 6, 0, 0, 0 }, fid5[] = { 5, 0, 0, 0 };
    assert_int_equal(p9_request(&gb, 120, fid6, 4), 7);     /* Rlerror */
    assert_int_equal(p9_request(&gb, 120, fid5, 4), 121);   /* Rclunk */
    assert_int_equal(p9_request(&gb, 120, fid5, 4), 7);
}

/* The interrupt line of the loaded device is driven at its level, high
 * or low, whatever it was before. */
static void test_line_follows_load(void **state)
{
    (void)state;
    make(&ga, RNG);
    make(&gb, RNG);
    move_to_b();
    assert_int_equal(gb.line_sets, 1);
    assert_false(gb.line);
    driver_start(&ga, 0);
    add_chain(&ga, 0, &(struct seg){ BUF_GPA, 8, true }, 1);
    notify(&ga, 0);
    assert_true(ga.line);
    move_to_b();
    assert_int_equal(gb.line_sets, 2);
    assert_true(gb.line);
    both_ack();
    assert_false(gb.line);
}

/* ---- records the devices must refuse ---- */

/* The transport's record as the test writes it, field by field (the
 * layout in mmio.c); bools as bytes, so that a 2 can be written. */
struct queue_rec {
    uint16_t num;
    uint8_t ready, event_idx, indirect;
    uint64_t desc, avail, used;
    uint16_t last_avail, used_idx, signalled;
};

struct transport_rec {
    uint32_t version, device_id;
    uint64_t offered;
    uint32_t status;
    uint64_t driver_features;
    uint32_t sel[3], generation, config_len;
    uint8_t config[VIRTIO_CONFIG_MAX];
    uint8_t broken;
    uint32_t isr, nqueues;
    struct queue_rec q[2];
};

static void put_transport(struct rec_out *o, const struct transport_rec *t)
{
    rec_begin(o, "virtio-mmio", t->version);
    rec_u32(o, t->device_id);
    rec_u64(o, t->offered);
    rec_u32(o, t->status);
    rec_u64(o, t->driver_features);
    for (unsigned i = 0; i < 3; i++)
        rec_u32(o, t->sel[i]);
    rec_u32(o, t->generation);
    rec_u32(o, t->config_len);
    rec_bytes(o, t->config, t->config_len < VIRTIO_CONFIG_MAX ?
                            t->config_len : VIRTIO_CONFIG_MAX);
    rec_u8(o, t->broken);
    rec_u32(o, t->isr);
    rec_u32(o, t->nqueues);
    for (unsigned i = 0; i < t->nqueues && i < 2; i++) {
        const struct queue_rec *q = &t->q[i];
        rec_u16(o, q->num);
        rec_u8(o, q->ready);
        rec_u8(o, q->event_idx);
        rec_u8(o, q->indirect);
        rec_u64(o, q->desc);
        rec_u64(o, q->avail);
        rec_u64(o, q->used);
        rec_u16(o, q->last_avail);
        rec_u16(o, q->used_idx);
        rec_u16(o, q->signalled);
    }
    rec_end(o);
}

/* A running console, both queues ready, two chains taken from each. */
static struct transport_rec good_console(void)
{
    struct transport_rec t = {
        .version = 1,
        .device_id = VIRTIO_ID_CONSOLE,
        .offered = VERSION_1 | EVENT_IDX | INDIRECT,
        .status = S_RUNNING,
        .driver_features = VERSION_1 | EVENT_IDX,
        .isr = VIRTIO_MMIO_INT_VRING,
        .nqueues = 2,
    };
    for (unsigned q = 0; q < 2; q++)
        t.q[q] = (struct queue_rec){
            .num = QSIZE, .ready = 1, .event_idx = 1,
            .desc = desc_gpa(q), .avail = avail_gpa(q), .used = used_gpa(q),
            .last_avail = 2, .used_idx = 2, .signalled = 1,
        };
    return t;
}

static void put_console(struct rec_out *o, uint32_t version, uint32_t count,
                        size_t bytes)
{
    rec_begin(o, "virtio-console", version);
    rec_u32(o, count);
    for (size_t i = 0; i < bytes; i++)
        rec_u8(o, (uint8_t)('a' + i % 26));
    rec_end(o);
}

/* gb's device refuses buf[0..len) with the message why (NULL: any) and
 * is as it was. */
static void refused(const void *buf, size_t len, const char *why)
{
    state_expect_refused(save_b, load_b, line_b, buf, len, why);
}

/* A fresh console for gb, holding "zz" of input. */
static void console_with_input(void)
{
    make(&gb, CONSOLE);
    assert_int_equal(virtio_console_rx(gb.d, (const uint8_t *)"zz", 2), 2);
}

/* gb's console holds "zz" of input and nothing else has happened to it:
 * still so after every refusal. */
static void expect_untouched_console(void)
{
    assert_int_equal(rd(&gb, VIRTIO_MMIO_STATUS), 0);
    driver_start(&gb, 0);
    add_chain(&gb, 0, &(struct seg){ BUF_GPA, 64, true }, 1);
    notify(&gb, 0);
    assert_int_equal(used(&gb, 0)->idx, 1);
    assert_int_equal(used(&gb, 0)->ring[0].len, 2);
    assert_memory_equal(gpa(&gb, BUF_GPA), "zz", 2);
}

/* The transport's record t, then (when version is not 0) the console's
 * of that version with count and bytes of input: gb refuses them. */
static void refused_records(const struct transport_rec *t, uint32_t version,
                            uint32_t count, size_t bytes, const char *why)
{
    struct rec_out o = {0};
    put_transport(&o, t);
    if (version)
        put_console(&o, version, count, bytes);
    refused(o.buf, o.len, why);
    rec_out_free(&o);
}

static void refused_transport(const struct transport_rec *t, const char *why)
{
    refused_records(t, 1, 3, 3, why);
}

static void test_good_hand_made_record(void **state)
{
    (void)state;
    make(&gb, CONSOLE);
    for (unsigned q = 0; q < 2; q++)
        avail(&gb, q)->idx = used(&gb, q)->idx = 2;
    struct transport_rec t = good_console();
    t.generation = 5;
    struct rec_out o = {0};
    put_transport(&o, &t);
    put_console(&o, 1, 3, 3);
    struct err e = {0};
    if (state_load(load_b, o.buf, o.len, &e) < 0)
        fail_msg("load: %s", e.msg);
    rec_out_free(&o);
    assert_int_equal(rd(&gb, VIRTIO_MMIO_STATUS), S_RUNNING);
    assert_int_equal(rd(&gb, VIRTIO_MMIO_CONFIG_GENERATION), 5);
    assert_int_equal(rd(&gb, VIRTIO_MMIO_INTERRUPT_STATUS),
                     VIRTIO_MMIO_INT_VRING);
    assert_true(gb.line);
    /* The receive queue goes on at entry 2 with "abc". */
    avail(&gb, 0)->ring[2] = 0;
    avail(&gb, 0)->idx = 3;
    desc(&gb, 0)[0] = (struct vring_desc){ BUF_GPA, 64, VRING_DESC_F_WRITE,
                                           0 };
    virtio_process(gb.d);       /* the kicks the load made */
    assert_int_equal(used(&gb, 0)->idx, 3);
    assert_int_equal(used(&gb, 0)->ring[2].len, 3);
    assert_memory_equal(gpa(&gb, BUF_GPA), "abc", 3);
}

#define BAD "state of virtio-mmio: "
#define BAD_RINGS(q, num) \
    BAD "queue " #q ": size " #num " or ring addresses refused"

/* Case i of a transport record the device must refuse: t spoilt in one
 * field, and the refusal; NULL past the last case. */
static const char *spoil(struct transport_rec *t, unsigned i)
{
    switch (i) {
    case 0:
        t->device_id = VIRTIO_ID_BLOCK;
        return BAD "device id 2, this is virtio-console (3)";
    case 1:
        t->offered |= 1;
        return BAD "features 0x130000001 offered, this virtio-console "
                   "offers 0x130000000";
    case 2:
        t->status = 0x100;
        return BAD "status 0x100";
    case 3:
        t->driver_features = VERSION_1 | 1;
        return BAD "FEATURES_OK with driver features 0x100000001";
    case 4:
        t->driver_features = EVENT_IDX;
        return BAD "FEATURES_OK with driver features 0x20000000";
    case 5:
        t->config_len = 4;
        return BAD "4 bytes of config space, this virtio-console has 0";
    case 6:
        t->broken = 1;
        return BAD "broken without NEEDS_RESET";
    case 7:
        t->broken = 2;
        return BAD "boolean field holds 2";
    case 8:
        t->isr = 4;
        return BAD "interrupt status 0x4";
    case 9:
        t->nqueues = 1;
        return BAD "queues: 1, this virtio-console has 2";
    case 10:
        t->q[1].num = 3;
        return BAD_RINGS(1, 3);
    case 11:
        t->q[0].num = 512;
        return BAD_RINGS(0, 512);
    case 12:
        t->q[0].num = 0;
        return BAD_RINGS(0, 0);
    case 13:
        t->q[1].desc = RAM_BASE + RAM_SIZE - 0x80;
        return BAD_RINGS(1, 16);
    case 14:
        t->q[1].used = RAM_BASE - 0x1000;
        return BAD_RINGS(1, 16);
    case 15:
        t->q[0].avail = ~0ull - 8;
        return BAD_RINGS(0, 16);
    case 16:
        t->q[0].used = used_gpa(0) + 2;
        return BAD_RINGS(0, 16);
    case 17:
        t->q[0].desc = desc_gpa(0) + 8;
        return BAD_RINGS(0, 16);
    case 18:
        t->q[1].last_avail = 100;
        return BAD "queue 1: 98 chains taken and not returned, in a queue "
                   "of 16";
    case 19:
        t->q[1].ready = 7;
        return BAD "boolean field holds 7";
    default:
        return NULL;
    }
}

static void test_bad_transport_values(void **state)
{
    (void)state;
    console_with_input();
    for (unsigned i = 0;; i++) {
        struct transport_rec t = good_console();
        const char *why = spoil(&t, i);
        if (!why)
            break;
        refused_transport(&t, why);
    }
    expect_untouched_console();
}

/* A good transport record does not load without a good device record
 * after it. */
static void test_bad_console_record(void **state)
{
    (void)state;
    console_with_input();
    static const struct {
        uint32_t version, count;
        size_t bytes;
        const char *why;
    } cases[] = {
        { 1, 4097, 4097, "state of virtio-console: 4097 bytes of input "
                          "(at most 4096)" },
        { 1, 3, 2, "state of virtio-console: truncated record" },
        { 1, 3, 4, "state of virtio-console: 1 bytes left unread" },
        { 2, 3, 3, "state of virtio-console: version 2 (this build reads "
                   "1-1)" },
    };
    struct transport_rec t = good_console();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        refused_records(&t, cases[i].version, cases[i].count, cases[i].bytes,
                        cases[i].why);
    refused_records(&t, 0, 0, 0,
                    "state of virtio-console: missing or truncated record");
    expect_untouched_console();
}

/* Cut anywhere, checksum and all or with a checksum made for the cut
 * payload, a record is refused. */
static void test_truncated_records(void **state)
{
    (void)state;
    console_with_input();
    struct transport_rec t = good_console();
    struct rec_out o = {0};
    put_transport(&o, &t);
    put_console(&o, 1, 3, 3);
    size_t first = o.len - (REC_HEADER_SIZE + 4 + 3 + REC_TRAILER_SIZE);
    size_t payload = first - REC_HEADER_SIZE - REC_TRAILER_SIZE;
    for (size_t len = 0; len < o.len; len++)
        refused(o.buf, len, NULL);
    for (size_t cut = 1; cut <= payload; cut += 7) {
        struct rec_out c = {0};
        rec_begin(&c, "virtio-mmio", 1);
        rec_bytes(&c, o.buf + REC_HEADER_SIZE, payload - cut);
        rec_end(&c);
        put_console(&c, 1, 3, 3);
        refused(c.buf, c.len, BAD "truncated record");
        rec_out_free(&c);
    }
    rec_out_free(&o);
    expect_untouched_console();
}

static void test_wrong_version(void **state)
{
    (void)state;
    console_with_input();
    struct transport_rec t = good_console();
    t.version = 2;
    refused_transport(&t, BAD "version 2 (this build reads 1-1)");
    t.version = 0;
    refused_transport(&t, BAD "version 0 (this build reads 1-1)");
    expect_untouched_console();
}

/* gb's device saved, cut after the transport's record: the device's own
 * record is the test's to write. */
static void save_transport(struct rec_out *o)
{
    state_save(save_b, o);
    uint32_t payload;
    memcpy(&payload, o->buf + REC_NAME_MAX + 4, sizeof payload);
    o->len = REC_HEADER_SIZE + payload + REC_TRAILER_SIZE;
}

static void test_bad_net_record(void **state)
{
    (void)state;
    make(&gb, NET);
    driver_start(&gb, 0);
    net_frames(&gb, 2);
    static const struct {
        uint32_t count, len;
        unsigned frames;
        const char *why;
    } cases[] = {
        { 65, 60, 65, "state of virtio-net: 65 frames waiting (at most "
                      "64)" },
        { 1, 65537, 1, "state of virtio-net: a frame of 65537 bytes (at "
                       "most 65536)" },
        { 2, 60, 1, "state of virtio-net: truncated record" },
        { 0, 60, 1, "state of virtio-net: 64 bytes left unread" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rec_out o;
        save_transport(&o);
        rec_begin(&o, "virtio-net", 1);
        rec_u32(&o, cases[i].count);
        static const uint8_t zeros[65537];
        for (unsigned f = 0; f < cases[i].frames; f++) {
            rec_u32(&o, cases[i].len);
            rec_bytes(&o, zeros, cases[i].len);
        }
        rec_end(&o);
        refused(o.buf, o.len, cases[i].why);
        rec_out_free(&o);
    }
    /* Version 2 adds the back end's part: one of another kind is refused. */
    struct rec_out o;
    save_transport(&o);
    rec_begin(&o, "virtio-net", 2);
    rec_u32(&o, 0);
    rec_u8(&o, NET_USER);
    rec_end(&o);
    refused(o.buf, o.len, "state of virtio-net: the snapshot's NIC was on "
            "--net user, this one is on --net none");
    rec_out_free(&o);
    /* The two frames it held are still there. */
    add_chain(&gb, 0, &(struct seg){ BUF_GPA, 2048, true }, 1);
    add_chain(&gb, 0, &(struct seg){ BUF_GPA + 0x1000, 2048, true }, 1);
    add_chain(&gb, 0, &(struct seg){ BUF_GPA + 0x2000, 2048, true }, 1);
    notify(&gb, 0);
    assert_int_equal(used(&gb, 0)->idx, 2);
    assert_int_equal(used(&gb, 0)->ring[1].len, 12 + 68);
    /* A record of version 1, without it, still loads. */
    save_transport(&o);
    rec_begin(&o, "virtio-net", 1);
    rec_u32(&o, 0);
    rec_end(&o);
    struct err e = {0};
    assert_int_equal(state_load(load_b, o.buf, o.len, &e), 0);
    rec_out_free(&o);
}

/* Every byte of a running queue's transport record set to each of a few
 * values: the device refuses the record and is unchanged, or takes it and
 * saves it back as it was. Some are taken (a selector, a ring address
 * still in RAM). */
static void test_every_byte_of_the_transport(void **state)
{
    (void)state;
    make(&gb, RNG);
    driver_start(&gb, EVENT_IDX | INDIRECT);
    add_chain(&gb, 0, &(struct seg){ BUF_GPA, 16, true }, 1);
    notify(&gb, 0);
    struct rec_out good;
    state_save(save_b, &good);
    assert_true(state_check_every_byte(save_b, load_b, line_b, &good) > 0);
    rec_out_free(&good);
}

/* Records of one device do not load into another. */
static void test_other_device_refused(void **state)
{
    (void)state;
    make(&ga, RNG);
    make(&gb, CONSOLE);
    struct rec_out o;
    state_save(save_a, &o);
    refused(o.buf, o.len, BAD "device id 4, this is virtio-console (3)");
    rec_out_free(&o);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_blk_moves),
        T(test_console_moves),
        T(test_net_moves),
        T(test_rng_moves),
        T(test_9p_moves),
        T(test_line_follows_load),
        T(test_good_hand_made_record),
        T(test_bad_transport_values),
        T(test_bad_console_record),
        T(test_truncated_records),
        T(test_wrong_version),
        T(test_bad_net_record),
        T(test_every_byte_of_the_transport),
        T(test_other_device_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
