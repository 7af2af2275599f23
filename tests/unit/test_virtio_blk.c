/* Unit tests of the virtio block device through the virtio-mmio transport:
 * a fake guest RAM with a request queue laid out by hand, the driver's
 * side played through the MMIO registers, and the device's work run with
 * virtio_process. The disk is a 1 MiB raw image under /tmp filled with
 * 0xaa; after each request the status byte, the used ring and the whole
 * image on the host are checked against what the request should have
 * done. Covers write-zeroes and discard (ranges, flags, limits, refusals,
 * read-only disks), the config space, GET_ID, and a write read back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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
#include "vm/bus.h"
#include "vm/virtio/blk.h"
#include "vm/virtio/mmio.h"
#include "test_virtio_driver.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1u << 20)
#define QSIZE 16
#define DESC_GPA (RAM_BASE + 0x1000)
#define AVAIL_GPA (DESC_GPA + 0x400)
#define USED_GPA (DESC_GPA + 0x800)
#define HDR_GPA (RAM_BASE + 0x4000)     /* struct virtio_blk_outhdr */
#define STATUS_GPA (RAM_BASE + 0x4100)  /* the status byte */
#define OUT_GPA (RAM_BASE + 0x10000)    /* data or ranges after the header */
#define IN_GPA (RAM_BASE + 0x40000)     /* data the device writes */

#define SECTOR 512u
#define IMG_SIZE (1u << 20)
#define IMG_SECTORS (IMG_SIZE / SECTOR)
#define FILL 0xaa
#define UNSET_STATUS 0xee               /* no VIRTIO_BLK_S_* value */

typedef struct virtio_blk_discard_write_zeroes range_t;

static const uint32_t S_ACK = VIRTIO_CONFIG_S_ACKNOWLEDGE,
                      S_DRIVER = VIRTIO_CONFIG_S_DRIVER,
                      S_FEATURES_OK = VIRTIO_CONFIG_S_FEATURES_OK,
                      S_DRIVER_OK = VIRTIO_CONFIG_S_DRIVER_OK;

static struct bus bus;
static struct virtio_dev *d;
static uint8_t *ram;
static char img_path[] = "/tmp/cella-test-blk-XXXXXX";
static int img_fd = -1;
static uint8_t want[IMG_SIZE];          /* what the image should hold */
static uint16_t next_desc, requests;    /* the driver's ring positions */
static uint32_t used_len;               /* of the last request */

static void *gpa(uint64_t a)
{
    assert_true(a >= RAM_BASE && a - RAM_BASE < RAM_SIZE);
    return ram + (a - RAM_BASE);
}

static struct vring_desc *desc(void) { return gpa(DESC_GPA); }
static struct vring_avail *avail(void) { return gpa(AVAIL_GPA); }
static struct vring_used *used(void) { return gpa(USED_GPA); }

static uint32_t rd(uint64_t off)
{
    return (uint32_t)virtio_mmio_read(d, off, 4);
}

static void wr(uint64_t off, uint32_t val)
{
    virtio_mmio_write(d, off, val, 4);
}

static uint32_t cfg32(size_t off)
{
    return rd(VIRTIO_MMIO_CONFIG + off);
}

static void set_addr(uint64_t low_reg, uint64_t a)
{
    wr(low_reg, (uint32_t)a);
    wr(low_reg + 4, (uint32_t)(a >> 32));
}

/* A driver bring-up as Linux does it: VERSION_1, discard, write-zeroes
 * and extra, then the request queue of QSIZE entries and DRIVER_OK. */
static void driver_start(uint64_t extra)
{
    uint64_t f = (1ull << VIRTIO_F_VERSION_1) |
                 (1ull << VIRTIO_BLK_F_DISCARD) |
                 (1ull << VIRTIO_BLK_F_WRITE_ZEROES) | extra;
    assert_true(virtio_negotiate(d, f) & S_FEATURES_OK);
    memset(gpa(DESC_GPA), 0, 0x1000);
    wr(VIRTIO_MMIO_QUEUE_SEL, 0);
    wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
    set_addr(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC_GPA);
    set_addr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, AVAIL_GPA);
    set_addr(VIRTIO_MMIO_QUEUE_USED_LOW, USED_GPA);
    wr(VIRTIO_MMIO_QUEUE_READY, 1);
    assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 1);
    next_desc = requests = 0;
    wr(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    assert_int_equal(rd(VIRTIO_MMIO_STATUS),
                     S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    virtio_process(d);      /* the kick DRIVER_OK makes */
}

/* Replace the device by one for the image with these options. */
static void open_disk(const char *opts)
{
    if (d)
        d->ops->destroy(d);
    char arg[128];
    snprintf(arg, sizeof arg, "%s%s", img_path, opts);
    struct err e = {0};
    d = virtio_blk_new(&bus, arg, true, &e);
    if (!d)
        fail_msg("virtio_blk_new(%s): %s", arg, e.msg);
    driver_start(0);
}

static int setup(void **state)
{
    (void)state;
    ram = calloc(1, RAM_SIZE);
    assert_non_null(ram);
    bus = (struct bus){ .ram = ram, .ram_base = RAM_BASE,
                        .ram_size = RAM_SIZE };
    strcpy(img_path + strlen(img_path) - 6, "XXXXXX");
    img_fd = mkstemp(img_path);
    assert_true(img_fd >= 0);
    memset(want, FILL, sizeof want);
    assert_int_equal(pwrite(img_fd, want, IMG_SIZE, 0), IMG_SIZE);
    d = NULL;
    open_disk("");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    d->ops->destroy(d);
    d = NULL;
    close(img_fd);
    unlink(img_path);
    free(ram);
    return 0;
}

/* The image on the host is exactly want: same size, same bytes. */
static void expect_image(void)
{
    static uint8_t got[IMG_SIZE + 1];
    assert_int_equal(pread(img_fd, got, sizeof got, 0), IMG_SIZE);
    assert_memory_equal(got, want, IMG_SIZE);
}

static uint8_t image_byte(off_t off)
{
    uint8_t b;
    assert_int_equal(pread(img_fd, &b, 1, off), 1);
    return b;
}

/* One request: the header, out_len bytes at OUT_GPA, in_len writable bytes
 * at IN_GPA, and the status byte, each its own descriptor. Returns the
 * status the device wrote; used_len has the length it reported. */
static uint8_t request(uint32_t type, uint64_t sector, uint32_t out_len,
                       uint32_t in_len)
{
    *(struct virtio_blk_outhdr *)gpa(HDR_GPA) =
        (struct virtio_blk_outhdr){ .type = type, .sector = sector };
    *(uint8_t *)gpa(STATUS_GPA) = UNSET_STATUS;
    struct vring_desc chain[4];
    unsigned n = 0;
    chain[n++] = (struct vring_desc){ .addr = HDR_GPA,
                                      .len = sizeof(struct virtio_blk_outhdr) };
    if (out_len)
        chain[n++] = (struct vring_desc){ .addr = OUT_GPA, .len = out_len };
    if (in_len)
        chain[n++] = (struct vring_desc){ .addr = IN_GPA, .len = in_len,
                                          .flags = VRING_DESC_F_WRITE };
    chain[n++] = (struct vring_desc){ .addr = STATUS_GPA, .len = 1,
                                      .flags = VRING_DESC_F_WRITE };
    uint16_t head = next_desc;
    for (unsigned i = 0; i < n; i++) {
        uint16_t at = (uint16_t)((head + i) % QSIZE);
        desc()[at] = chain[i];
        desc()[at].next = (uint16_t)((at + 1) % QSIZE);
        if (i + 1 < n)
            desc()[at].flags |= VRING_DESC_F_NEXT;
    }
    next_desc = (uint16_t)((head + n) % QSIZE);
    avail()->ring[requests % QSIZE] = head;
    requests++;
    __atomic_store_n(&avail()->idx, requests, __ATOMIC_RELEASE);

    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    virtio_process(d);
    assert_int_equal(used()->idx, requests);
    const struct vring_used_elem *u = &used()->ring[(requests - 1) % QSIZE];
    assert_int_equal(u->id, head);
    used_len = u->len;
    return *(uint8_t *)gpa(STATUS_GPA);
}

/* A discard or write-zeroes request carrying n ranges. */
static uint8_t ranges(uint32_t type, const range_t *r, unsigned n)
{
    memcpy(gpa(OUT_GPA), r, n * sizeof *r);
    uint8_t status = request(type, 0, n * (uint32_t)sizeof *r, 0);
    assert_int_equal(used_len, 1);      /* the status byte only */
    return status;
}

static range_t range(uint64_t sector, uint32_t num_sectors, uint32_t flags)
{
    return (range_t){ .sector = sector, .num_sectors = num_sectors,
                      .flags = flags };
}

static void zero_in_want(uint64_t sector, uint32_t num_sectors)
{
    memset(want + sector * SECTOR, 0, (size_t)num_sectors * SECTOR);
}

static void test_config_advertises_discard_and_write_zeroes(void **state)
{
    (void)state;
    assert_int_equal(rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
    wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    uint32_t low = rd(VIRTIO_MMIO_DEVICE_FEATURES);
    assert_true(low & (1u << VIRTIO_BLK_F_DISCARD));
    assert_true(low & (1u << VIRTIO_BLK_F_WRITE_ZEROES));
    assert_true(low & (1u << VIRTIO_BLK_F_FLUSH));
    assert_false(low & (1u << VIRTIO_BLK_F_RO));

    size_t cap = offsetof(struct virtio_blk_config, capacity);
    uint64_t capacity = cfg32(cap) | (uint64_t)cfg32(cap + 4) << 32;
    assert_int_equal(capacity, IMG_SECTORS);
    assert_int_equal(cfg32(offsetof(struct virtio_blk_config, blk_size)),
                     SECTOR);
    assert_true(cfg32(offsetof(struct virtio_blk_config, seg_max)) > 0);
    uint32_t max_discard_sectors =
        cfg32(offsetof(struct virtio_blk_config, max_discard_sectors));
    uint32_t max_discard_seg =
        cfg32(offsetof(struct virtio_blk_config, max_discard_seg));
    uint32_t discard_alignment =
        cfg32(offsetof(struct virtio_blk_config, discard_sector_alignment));
    uint32_t max_wz_sectors =
        cfg32(offsetof(struct virtio_blk_config, max_write_zeroes_sectors));
    uint32_t max_wz_seg =
        cfg32(offsetof(struct virtio_blk_config, max_write_zeroes_seg));
    assert_true(max_discard_sectors > 0);
    assert_true(max_discard_seg > 0);
    assert_true(discard_alignment > 0);
    assert_true(max_wz_sectors > 0);
    assert_true(max_wz_seg > 0);
    /* The limits hold a whole request the size of this disk. */
    assert_true(max_discard_sectors >= IMG_SECTORS);
    assert_true(max_wz_sectors >= IMG_SECTORS);
    uint8_t may_unmap = (uint8_t)virtio_mmio_read(
        d, VIRTIO_MMIO_CONFIG +
           offsetof(struct virtio_blk_config, write_zeroes_may_unmap), 1);
    assert_int_equal(may_unmap, 1);
}

static void test_write_zeroes_range(void **state)
{
    (void)state;
    range_t r = range(8, 16, 0);
    assert_int_equal(ranges(VIRTIO_BLK_T_WRITE_ZEROES, &r, 1),
                     VIRTIO_BLK_S_OK);
    zero_in_want(8, 16);
    expect_image();
    /* The edges, spelled out once: bytes 4095 and 12288 are kept. */
    assert_int_equal(image_byte(8 * SECTOR - 1), FILL);
    assert_int_equal(image_byte(8 * SECTOR), 0);
    assert_int_equal(image_byte(24 * SECTOR - 1), 0);
    assert_int_equal(image_byte(24 * SECTOR), FILL);
}

static void test_write_zeroes_unmap(void **state)
{
    (void)state;
    range_t r = range(100, 24, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
    assert_int_equal(ranges(VIRTIO_BLK_T_WRITE_ZEROES, &r, 1),
                     VIRTIO_BLK_S_OK);
    zero_in_want(100, 24);
    expect_image();
}

static void test_write_zeroes_two_segments(void **state)
{
    (void)state;
    range_t r[] = { range(1, 3, 0),
                    range(200, 9, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) };
    assert_int_equal(ranges(VIRTIO_BLK_T_WRITE_ZEROES, r, 2),
                     VIRTIO_BLK_S_OK);
    zero_in_want(1, 3);
    zero_in_want(200, 9);
    expect_image();
}

/* The last sectors of the disk can be zeroed; one past cannot. */
static void test_write_zeroes_at_the_end(void **state)
{
    (void)state;
    range_t r = range(IMG_SECTORS - 16, 16, 0);
    assert_int_equal(ranges(VIRTIO_BLK_T_WRITE_ZEROES, &r, 1),
                     VIRTIO_BLK_S_OK);
    zero_in_want(IMG_SECTORS - 16, 16);
    expect_image();
    r = range(IMG_SECTORS - 16, 17, 0);
    assert_int_equal(ranges(VIRTIO_BLK_T_WRITE_ZEROES, &r, 1),
                     VIRTIO_BLK_S_IOERR);
    expect_image();
}

static void test_write_zeroes_refused(void **state)
{
    (void)state;
    static const struct {
        range_t r;
        uint8_t status;
    } bad[] = {
        /* Past the end, wholly and across it. */
        { { .sector = IMG_SECTORS, .num_sectors = 1 }, VIRTIO_BLK_S_IOERR },
        { { .sector = IMG_SECTORS - 8, .num_sectors = 16 },
          VIRTIO_BLK_S_IOERR },
        /* A sector whose byte offset does not fit in 64 bits. */
        { { .sector = 1ull << 60, .num_sectors = 1 }, VIRTIO_BLK_S_IOERR },
        /* A flag this device does not know. */
        { { .sector = 8, .num_sectors = 8, .flags = 2 }, VIRTIO_BLK_S_UNSUPP },
        { { .sector = 8, .num_sectors = 8, .flags = 0x80000001 },
          VIRTIO_BLK_S_UNSUPP },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ranges(VIRTIO_BLK_T_WRITE_ZEROES, &bad[i].r, 1),
                         bad[i].status);
        expect_image();
    }
    /* A header and no ranges at all. */
    assert_int_equal(request(VIRTIO_BLK_T_WRITE_ZEROES, 0, 0, 0),
                     VIRTIO_BLK_S_IOERR);
    /* Half a range. */
    range_t r = range(8, 8, 0);
    memcpy(gpa(OUT_GPA), &r, sizeof r);
    assert_int_equal(request(VIRTIO_BLK_T_WRITE_ZEROES, 0, sizeof r / 2, 0),
                     VIRTIO_BLK_S_IOERR);
    expect_image();
}

/* A request with one bad range is refused as a whole: the good ranges
 * before it are not zeroed either. */
static void test_bad_range_fails_the_whole_request(void **state)
{
    (void)state;
    range_t past_end[] = { range(8, 16, 0), range(IMG_SECTORS, 8, 0) };
    assert_int_equal(ranges(VIRTIO_BLK_T_WRITE_ZEROES, past_end, 2),
                     VIRTIO_BLK_S_IOERR);
    expect_image();
    range_t bad_flag[] = { range(8, 16, 0), range(64, 8, 4) };
    assert_int_equal(ranges(VIRTIO_BLK_T_WRITE_ZEROES, bad_flag, 2),
                     VIRTIO_BLK_S_UNSUPP);
    expect_image();
}

/* More ranges than max_write_zeroes_seg says. */
static void test_too_many_ranges(void **state)
{
    (void)state;
    uint32_t max = cfg32(offsetof(struct virtio_blk_config,
                                  max_write_zeroes_seg));
    assert_true((max + 1) * sizeof(range_t) <= IN_GPA - OUT_GPA);
    range_t *r = gpa(OUT_GPA);
    for (uint32_t i = 0; i <= max; i++)
        r[i] = range(i, 1, 0);
    assert_int_not_equal(request(VIRTIO_BLK_T_WRITE_ZEROES, 0,
                                 (max + 1) * (uint32_t)sizeof *r, 0),
                         VIRTIO_BLK_S_OK);
    expect_image();
    /* Exactly max of them are fine. */
    assert_int_equal(request(VIRTIO_BLK_T_WRITE_ZEROES, 0,
                             max * (uint32_t)sizeof *r, 0),
                     VIRTIO_BLK_S_OK);
    zero_in_want(0, max);
    expect_image();
}

static void test_readonly_refuses_zeroes_and_discard(void **state)
{
    (void)state;
    open_disk(",readonly");
    wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    assert_true(rd(VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_BLK_F_RO));
    range_t r = range(8, 16, 0);
    assert_int_equal(ranges(VIRTIO_BLK_T_WRITE_ZEROES, &r, 1),
                     VIRTIO_BLK_S_IOERR);
    expect_image();
    r.flags = VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;
    assert_int_equal(ranges(VIRTIO_BLK_T_WRITE_ZEROES, &r, 1),
                     VIRTIO_BLK_S_IOERR);
    expect_image();
    r.flags = 0;
    assert_int_equal(ranges(VIRTIO_BLK_T_DISCARD, &r, 1), VIRTIO_BLK_S_IOERR);
    expect_image();
    memset(gpa(OUT_GPA), 0x11, SECTOR);
    assert_int_equal(request(VIRTIO_BLK_T_OUT, 8, SECTOR, 0),
                     VIRTIO_BLK_S_IOERR);
    expect_image();
    /* Reads still work. */
    assert_int_equal(request(VIRTIO_BLK_T_IN, 8, 0, SECTOR),
                     VIRTIO_BLK_S_OK);
    assert_memory_equal(gpa(IN_GPA), want + 8 * SECTOR, SECTOR);
}

static void test_discard(void **state)
{
    (void)state;
    /* The flag is for write-zeroes only. */
    range_t r = range(8, 16, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
    assert_int_equal(ranges(VIRTIO_BLK_T_DISCARD, &r, 1),
                     VIRTIO_BLK_S_UNSUPP);
    expect_image();
    r = range(IMG_SECTORS, 8, 0);
    assert_int_equal(ranges(VIRTIO_BLK_T_DISCARD, &r, 1), VIRTIO_BLK_S_IOERR);
    expect_image();
    /* A plain discard succeeds. What the range reads back as is up to the
     * file system; the bytes around it are kept. */
    r = range(16, 16, 0);
    assert_int_equal(ranges(VIRTIO_BLK_T_DISCARD, &r, 1), VIRTIO_BLK_S_OK);
    static uint8_t got[IMG_SIZE];
    assert_int_equal(pread(img_fd, got, IMG_SIZE, 0), IMG_SIZE);
    assert_memory_equal(got, want, 16 * SECTOR);
    assert_memory_equal(got + 32 * SECTOR, want + 32 * SECTOR,
                        IMG_SIZE - 32 * SECTOR);
}

static void expect_id(const char *opts, const char id[VIRTIO_BLK_ID_BYTES])
{
    open_disk(opts);
    memset(gpa(IN_GPA), 0x55, VIRTIO_BLK_ID_BYTES);
    assert_int_equal(request(VIRTIO_BLK_T_GET_ID, 0, 0, VIRTIO_BLK_ID_BYTES),
                     VIRTIO_BLK_S_OK);
    assert_int_equal(used_len, VIRTIO_BLK_ID_BYTES + 1);
    assert_memory_equal(gpa(IN_GPA), id, VIRTIO_BLK_ID_BYTES);
}

static void test_get_id_returns_serial(void **state)
{
    (void)state;
    expect_id(",serial=cella-disk-7", "cella-disk-7\0\0\0\0\0\0\0\0");
    /* Twenty characters fill the field with no NUL; with readonly too. */
    expect_id(",readonly,serial=ABCDEFGHIJKLMNOPQRST",
              "ABCDEFGHIJKLMNOPQRST");
    /* No serial: all NULs. */
    expect_id("", (char[VIRTIO_BLK_ID_BYTES]){0});
}

static void test_bad_options_refused(void **state)
{
    (void)state;
    char arg[128];
    struct err e = {0};
    snprintf(arg, sizeof arg, "%s,serial=ABCDEFGHIJKLMNOPQRSTU", img_path);
    assert_null(virtio_blk_new(&bus, arg, true, &e));
    assert_non_null(strstr(e.msg, "longer than 20"));
    snprintf(arg, sizeof arg, "%s,cache=none", img_path);
    assert_null(virtio_blk_new(&bus, arg, true, &e));
    assert_non_null(strstr(e.msg, "unknown option 'cache=none'"));
}

static void test_write_then_read_round_trips(void **state)
{
    (void)state;
    uint8_t *out = gpa(OUT_GPA);
    for (unsigned i = 0; i < 2 * SECTOR; i++)
        out[i] = (uint8_t)(i * 13 + 1);
    assert_int_equal(request(VIRTIO_BLK_T_OUT, 40, 2 * SECTOR, 0),
                     VIRTIO_BLK_S_OK);
    assert_int_equal(used_len, 1);
    memcpy(want + 40 * SECTOR, out, 2 * SECTOR);
    expect_image();

    memset(gpa(IN_GPA), 0, 4 * SECTOR);
    assert_int_equal(request(VIRTIO_BLK_T_IN, 39, 0, 4 * SECTOR),
                     VIRTIO_BLK_S_OK);
    assert_int_equal(used_len, 4 * SECTOR + 1);
    assert_memory_equal(gpa(IN_GPA), want + 39 * SECTOR, 4 * SECTOR);
    assert_memory_equal((uint8_t *)gpa(IN_GPA) + SECTOR, out, 2 * SECTOR);

    /* Zeroes then read back: the guest's view agrees with the file. */
    range_t r = range(41, 1, 0);
    assert_int_equal(ranges(VIRTIO_BLK_T_WRITE_ZEROES, &r, 1),
                     VIRTIO_BLK_S_OK);
    zero_in_want(41, 1);
    assert_int_equal(request(VIRTIO_BLK_T_IN, 40, 0, 2 * SECTOR),
                     VIRTIO_BLK_S_OK);
    assert_memory_equal(gpa(IN_GPA), want + 40 * SECTOR, 2 * SECTOR);
    expect_image();
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_config_advertises_discard_and_write_zeroes),
        T(test_write_zeroes_range),
        T(test_write_zeroes_unmap),
        T(test_write_zeroes_two_segments),
        T(test_write_zeroes_at_the_end),
        T(test_write_zeroes_refused),
        T(test_bad_range_fails_the_whole_request),
        T(test_too_many_ranges),
        T(test_readonly_refuses_zeroes_and_discard),
        T(test_discard),
        T(test_get_id_returns_serial),
        T(test_bad_options_refused),
        T(test_write_then_read_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
