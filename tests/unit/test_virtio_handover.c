/* Unit tests of what the board does for a migration's handover
 * (vm/riscv/virtio_slots.h): a machine made as a migration's target
 * (cfg.incoming) opens its disks without locking them; claiming locks
 * every disk (shared for a read-only one), releasing unlocks them, and a
 * claim refused on one disk leaves none locked; a machine made otherwise
 * locks its disks at once, as before. Announcing is harmless on a board
 * without a NIC and on user networking, whose libslirp ignores RARP. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "test_board.h"

#define NIMG 2

static char img[NIMG][32];
static int other[NIMG] = { -1, -1 };    /* another process's opens */

static int setup(void **state)
{
    (void)state;
    for (unsigned i = 0; i < NIMG; i++) {
        snprintf(img[i], sizeof img[i], "/tmp/cella-test-hand-XXXXXX");
        int fd = mkstemp(img[i]);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, 65536), 0);
        close(fd);
        other[i] = open(img[i], O_RDWR | O_CLOEXEC);
        assert_true(other[i] >= 0);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (unsigned i = 0; i < NIMG; i++) {
        close(other[i]);
        unlink(img[i]);
    }
    return 0;
}

/* Whether another process could lock image i (LOCK_EX or LOCK_SH). */
static bool other_can(unsigned i, int op)
{
    if (flock(other[i], op | LOCK_NB) < 0)
        return false;
    assert_int_equal(flock(other[i], LOCK_UN), 0);
    return true;
}

/* A board (as test_board.h's) with these --disk/--net values, made as a
 * migration's target when incoming; NULL with e filled when its devices
 * could not be made. */
static struct machine *board_with(const char *incoming,
                                  const struct vm_dev_arg *devs, unsigned n,
                                  struct err *e)
{
    struct machine *m = test_machine_new(1);
    m->cfg.cpus = 1;
    m->cfg.mem_size = TEST_BOARD_RAM;
    m->cfg.incoming = incoming;
    memcpy(m->cfg.devs, devs, n * sizeof *devs);
    m->cfg.ndevs = n;
    m->bus.ram_base = BOARD_RAM_BASE;
    m->bus.ram_size = TEST_BOARD_RAM;
    m->bus.ram = calloc(1, TEST_BOARD_RAM);
    assert_non_null(m->bus.ram);
    m->io = iothread_new(e);
    assert_non_null(m->io);
    if (board_create(m, e) < 0) {
        board_free(m);
        return NULL;
    }
    return m;
}

static struct machine *two_disks(const char *incoming, const char *opts)
{
    char args[NIMG][64];
    struct vm_dev_arg devs[NIMG];
    for (unsigned i = 0; i < NIMG; i++) {
        snprintf(args[i], sizeof args[i], "%s%s", img[i], opts);
        devs[i] = (struct vm_dev_arg){ VM_DEV_DISK, args[i] };
    }
    struct err e = {0};
    struct machine *m = board_with(incoming, devs, NIMG, &e);
    if (!m)
        fail_msg("board_create: %s", e.msg);
    return m;
}

static void test_incoming_disks_wait_unclaimed(void **state)
{
    (void)state;
    struct machine *m = two_disks("unix:/tmp/cella-test-hand.sock", "");
    struct err e = {0};
    for (unsigned i = 0; i < NIMG; i++)
        assert_true(other_can(i, LOCK_EX));
    assert_int_equal(virtio_devices_claim(m, true, &e), 0);
    for (unsigned i = 0; i < NIMG; i++)
        assert_false(other_can(i, LOCK_SH));
    assert_int_equal(virtio_devices_claim(m, true, &e), 0);    /* again */
    assert_int_equal(virtio_devices_claim(m, false, &e), 0);
    for (unsigned i = 0; i < NIMG; i++)
        assert_true(other_can(i, LOCK_EX));
    assert_int_equal(virtio_devices_claim(m, true, &e), 0);    /* back */
    assert_false(other_can(0, LOCK_EX));
    board_free(m);
    assert_true(other_can(0, LOCK_EX));
}

static void test_refused_claim_leaves_none(void **state)
{
    (void)state;
    struct machine *m = two_disks("tcp:127.0.0.1:4444", "");
    struct err e = {0};
    assert_int_equal(flock(other[1], LOCK_EX | LOCK_NB), 0);
    assert_int_equal(virtio_devices_claim(m, true, &e), -1);
    char want[128];
    snprintf(want, sizeof want,
             "--disk: '%s' is in use by another process", img[1]);
    assert_string_equal(e.msg, want);
    assert_true(other_can(0, LOCK_EX));     /* the first was let go */
    assert_int_equal(flock(other[1], LOCK_UN), 0);
    assert_int_equal(virtio_devices_claim(m, true, &e), 0);
    assert_false(other_can(0, LOCK_EX));
    assert_false(other_can(1, LOCK_EX));
    board_free(m);
}

static void test_incoming_readonly_claims_shared(void **state)
{
    (void)state;
    struct machine *m = two_disks("unix:/tmp/cella-test-hand.sock",
                                  ",readonly");
    struct err e = {0};
    assert_int_equal(virtio_devices_claim(m, true, &e), 0);
    assert_true(other_can(0, LOCK_SH));
    assert_false(other_can(0, LOCK_EX));
    board_free(m);
}

static void test_other_machines_claim_at_once(void **state)
{
    (void)state;
    struct machine *m = two_disks(NULL, "");
    assert_false(other_can(0, LOCK_SH));
    assert_false(other_can(1, LOCK_SH));
    /* A second machine on an image is refused, as before. */
    struct vm_dev_arg dev = { VM_DEV_DISK, img[1] };
    struct err e = {0};
    assert_null(board_with(NULL, &dev, 1, &e));
    assert_non_null(strstr(e.msg, "is in use by another process"));
    /* A migration's target is not, until it claims. */
    struct machine *target = board_with("unix:/x", &dev, 1, &e);
    assert_non_null(target);
    assert_int_equal(virtio_devices_claim(target, true, &e), -1);
    assert_int_equal(virtio_devices_claim(m, false, &e), 0);
    assert_int_equal(virtio_devices_claim(target, true, &e), 0);
    board_free(target);
    board_free(m);
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
    while (nanosleep(&ts, &ts) < 0)
        ;
}

static void test_announce_without_nic(void **state)
{
    (void)state;
    struct machine *m = board_new(1);
    struct err e = {0};
    assert_int_equal(iothread_start(m->io, &e), 0);
    virtio_devices_announce(m);
    assert_int_equal(virtio_devices_claim(m, true, &e), 0);
    board_free(m);
}

static void test_announce_on_user_networking(void **state)
{
    (void)state;
    struct vm_dev_arg devs[] = {
        { VM_DEV_NET, "user" },
        { VM_DEV_NET, "user,mac=02:00:00:00:00:07" },
    };
    struct err e = {0};
    struct machine *m = board_with("unix:/x", devs, 2, &e);
    if (!m)
        fail_msg("board_create: %s", e.msg);
    assert_int_equal(iothread_start(m->io, &e), 0);
    virtio_devices_announce(m);
    sleep_ms(600);                  /* all five frames went */
    virtio_devices_announce(m);     /* and stopping in the middle */
    sleep_ms(60);
    board_free(m);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_incoming_disks_wait_unclaimed),
        T(test_refused_claim_leaves_none),
        T(test_incoming_readonly_claims_shared),
        T(test_other_machines_claim_at_once),
        T(test_announce_without_nic),
        T(test_announce_on_user_networking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
