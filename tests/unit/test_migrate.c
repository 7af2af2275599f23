/* Unit tests of the migration stream's pieces: PAGES frames come back as
 * gathered (pages of zeros as 8-byte markers, punched out of a memfd
 * over what was there before), and malformed ones are refused; frames cross a socket whole, and a cut,
 * damaged, foreign or other-version stream is refused with a message;
 * addresses are parsed and refused as they should be, and a unix one
 * connects. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <endian.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/err.h"
#include "vm/migrate/pages.h"
#include "vm/migrate/stream.h"
#include "vm/migrate/uri.h"

#define NPAGES 32

static void test_pages_round_trip(void **state)
{
    (void)state;
    static uint8_t src[NPAGES * PAGE_SIZE];
    for (unsigned i = 0; i < NPAGES; i += 3)
        memset(src + i * PAGE_SIZE, (int)(i + 1), PAGE_SIZE);
    struct page_batch *b = calloc(1, sizeof *b);
    for (unsigned i = 0; i < NPAGES; i++)
        assert_false(batch_add(b, i, src + i * PAGE_SIZE));
    assert_int_equal(b->count, NPAGES);
    assert_int_equal(b->zeros, NPAGES - (NPAGES + 2) / 3);
    assert_int_equal(b->len, NPAGES * 8 + (NPAGES + 2) / 3 * PAGE_SIZE);

    /* The target's RAM: a memfd full of ones, the zero pages punched. */
    int fd = memfd_create("test-ram", MFD_CLOEXEC);
    assert_int_equal(ftruncate(fd, NPAGES * PAGE_SIZE), 0);
    uint8_t *ram = mmap(0, NPAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
                        MAP_SHARED, fd, 0);
    assert_true(ram != MAP_FAILED);
    memset(ram, 0xff, NPAGES * PAGE_SIZE);
    struct err e = {0};
    assert_int_equal(pages_apply(b->buf, b->len, ram, NPAGES, fd, &e), 0);
    assert_memory_equal(ram, src, sizeof src);
    munmap(ram, NPAGES * PAGE_SIZE);
    close(fd);
    free(b);
}

static void test_pages_refused(void **state)
{
    (void)state;
    static uint8_t ram[NPAGES * PAGE_SIZE], page[PAGE_SIZE];
    struct page_batch *b = calloc(1, sizeof *b);
    memset(page, 7, sizeof page);
    batch_add(b, NPAGES, page);             /* one past the end */
    struct err e = {0};
    assert_int_equal(pages_apply(b->buf, b->len, ram, NPAGES, -1, &e), -1);
    assert_string_equal(e.msg, "page 32 past the end of RAM (32 pages)");
    batch_clear(b);
    batch_add(b, 3, page);
    for (size_t cut = 1; cut < b->len; cut += 509) {
        e = (struct err){0};
        assert_int_equal(pages_apply(b->buf, b->len - cut, ram, NPAGES, -1,
                                     &e), -1);
        assert_true(strstr(e.msg, "cut short") != NULL);
    }
    free(b);
}

static void test_frames(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct err e = {0};
    assert_int_equal(stream_send_header(sv[0], &e), 0);
    assert_int_equal(frame_send(sv[0], FRAME_STATE, "abc", 3, &e), 0);
    assert_int_equal(frame_send(sv[0], FRAME_END, NULL, 0, &e), 0);
    struct frame f = {0};
    assert_int_equal(stream_recv_header(sv[1], &e), 0);
    assert_int_equal(frame_recv(sv[1], &f, &e), 0);
    assert_int_equal(f.type, FRAME_STATE);
    assert_int_equal(f.len, 3);
    assert_memory_equal(f.buf, "abc", 3);
    assert_int_equal(frame_recv(sv[1], &f, &e), 0);
    assert_int_equal(f.type, FRAME_END);
    assert_int_equal(f.len, 0);
    close(sv[0]);
    assert_int_equal(frame_recv(sv[1], &f, &e), -1);
    assert_string_equal(e.msg, "the stream ended inside a frame");
    close(sv[1]);
    free(f.buf);
}

/* What a stream of these bytes makes frame_recv (after a good header)
 * say. */
static void refused(const void *bytes, size_t n, const char *msg)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct err e = {0};
    assert_int_equal(write(sv[0], bytes, n), (ssize_t)n);
    close(sv[0]);
    struct frame f = {0};
    assert_int_equal(frame_recv(sv[1], &f, &e), -1);
    assert_string_equal(e.msg, msg);
    close(sv[1]);
    free(f.buf);
}

static void test_frames_refused(void **state)
{
    (void)state;
    uint32_t good[4] = {htole32(FRAME_END), 0, 0, 0};
    refused(good, 12, "a frame of type 4 fails its checksum");
    uint32_t unknown[3] = {htole32(99), 0, 0};
    refused(unknown, 12, "a frame of unknown type 99");
    uint32_t huge[3] = {htole32(FRAME_PAGES), htole32(FRAME_MAX + 1), 0};
    refused(huge, 12, "a frame of 67108865 bytes (at most 67108864)");
    refused(good, 5, "the stream ended inside a frame");

    int sv[2];
    struct err e = {0};
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(write(sv[0], "CELLAMIG\2\0\0\0\0\0\0\0", 16), 16);
    assert_int_equal(stream_recv_header(sv[1], &e), -1);
    assert_string_equal(e.msg, "a migration stream of format 2 (this cella "
                        "reads format 1)");
    assert_int_equal(write(sv[0], "GET / HTTP/1.1\r\n", 16), 16);
    assert_int_equal(stream_recv_header(sv[1], &e), -1);
    assert_string_equal(e.msg, "not a cella migration stream");
    close(sv[0]);
    close(sv[1]);
}

static void test_uris(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "tcp:", "tcp:host", "tcp:host:", "tcp:host:0", "tcp:host:70000",
        "tcp::80", "tcp:[::1]80", "unix:", "udp:host:1", "host:80",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct err e = {0};
        assert_int_equal(migrate_uri_check(bad[i], &e), -1);
        assert_true(strncmp(e.msg, bad[i], strlen(bad[i])) == 0);
    }
    struct err e = {0};
    assert_int_equal(migrate_uri_check("tcp:10.0.0.1:4444", &e), 0);
    assert_int_equal(migrate_uri_check("tcp:[::1]:4444", &e), 0);
    assert_int_equal(migrate_uri_check("unix:/tmp/x.sock", &e), 0);

    char dir[] = "/tmp/cella-test-migrate-XXXXXX", uri[128];
    assert_non_null(mkdtemp(dir));
    snprintf(uri, sizeof uri, "unix:%s/m.sock", dir);
    int l = migrate_listen(uri, &e);
    assert_true(l >= 0);
    int c = migrate_connect(uri, &e);
    assert_true(c >= 0);
    close(c);
    close(l);
    unlink(uri + 5);
    assert_int_equal(migrate_connect(uri, &e), -1);
    assert_true(strstr(e.msg, "cannot connect") != NULL);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pages_round_trip),
        cmocka_unit_test(test_pages_refused),
        cmocka_unit_test(test_frames),
        cmocka_unit_test(test_frames_refused),
        cmocka_unit_test(test_uris),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
