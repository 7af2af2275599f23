/* Unit tests of a disk image's lock (vm/backend/block.h), the one that a
 * migration passes from its source to its target: an image opened
 * unclaimed takes no lock; a claim is refused with one line while another
 * open of the image holds it, and taken once that one lets go; a release
 * lets others in; a read-only disk shares its lock with other readers.
 * "Another process" is played by another open of the image in this
 * process: flock locks belong to the open file, not to the process. */
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
#include <unistd.h>

#include "base/err.h"
#include "vm/backend/block.h"

static char img_path[] = "/tmp/cella-test-block-XXXXXX";
static int other = -1;          /* the other holder's open of the image */

static int setup(void **state)
{
    (void)state;
    strcpy(img_path + strlen(img_path) - 6, "XXXXXX");
    int fd = mkstemp(img_path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 4096), 0);
    close(fd);
    other = open(img_path, O_RDWR | O_CLOEXEC);
    assert_true(other >= 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    close(other);
    unlink(img_path);
    return 0;
}

/* Whether the other holder can take the lock (op: LOCK_EX or LOCK_SH),
 * letting go of it again at once. */
static bool other_can(int op)
{
    if (flock(other, op | LOCK_NB) < 0)
        return false;
    assert_int_equal(flock(other, LOCK_UN), 0);
    return true;
}

static void open_image(struct block *b, bool readonly)
{
    struct err e = {0};
    if (block_open(b, img_path, readonly, &e) < 0)
        fail_msg("block_open: %s", e.msg);
    assert_false(b->claimed);
    assert_int_equal(b->size, 4096);
}

static void test_open_takes_no_lock(void **state)
{
    (void)state;
    struct block b;
    open_image(&b, false);
    assert_true(other_can(LOCK_EX));
    block_close(&b);
}

static void test_claim_refused_while_held(void **state)
{
    (void)state;
    struct block b;
    open_image(&b, false);
    assert_int_equal(flock(other, LOCK_EX | LOCK_NB), 0);
    struct err e = {0};
    assert_int_equal(block_claim(&b, &e), -1);
    char want[256];
    snprintf(want, sizeof want,
             "--disk: '%s' is in use by another process", img_path);
    assert_string_equal(e.msg, want);
    assert_int_equal(e.errnum, 0);
    assert_false(b.claimed);
    /* A reader's shared lock keeps a writer out as well. */
    assert_int_equal(flock(other, LOCK_SH | LOCK_NB), 0);
    assert_int_equal(block_claim(&b, &e), -1);
    /* Once the other lets go, the claim is taken, and keeps it out. */
    assert_int_equal(flock(other, LOCK_UN), 0);
    assert_int_equal(block_claim(&b, &e), 0);
    assert_true(b.claimed);
    assert_false(other_can(LOCK_SH));
    block_close(&b);
}

static void test_release_then_claim(void **state)
{
    (void)state;
    struct block b;
    struct err e = {0};
    open_image(&b, false);
    assert_int_equal(block_claim(&b, &e), 0);
    assert_int_equal(block_claim(&b, &e), 0);      /* again: no change */
    assert_false(other_can(LOCK_EX));
    block_release(&b);
    assert_false(b.claimed);
    assert_true(other_can(LOCK_EX));
    block_release(&b);                              /* again: no change */
    assert_int_equal(block_claim(&b, &e), 0);
    assert_false(other_can(LOCK_EX));
    block_close(&b);
    assert_true(other_can(LOCK_EX));                /* closing lets go */
}

/* The migration's handover, two machines on one image: the target's
 * claim fails until the source releases. */
static void test_handover_between_two_opens(void **state)
{
    (void)state;
    struct block source, target;
    struct err e = {0};
    open_image(&source, false);
    assert_int_equal(block_claim(&source, &e), 0);
    open_image(&target, false);
    assert_int_equal(block_claim(&target, &e), -1);
    assert_non_null(strstr(e.msg, "is in use by another process"));
    block_release(&source);
    assert_int_equal(block_claim(&target, &e), 0);
    assert_int_equal(block_claim(&source, &e), -1);
    block_close(&source);
    block_close(&target);
}

static void test_readonly_takes_a_shared_lock(void **state)
{
    (void)state;
    struct block a, b;
    struct err e = {0};
    open_image(&a, true);
    assert_int_equal(block_claim(&a, &e), 0);
    assert_true(other_can(LOCK_SH));
    assert_false(other_can(LOCK_EX));
    open_image(&b, true);
    assert_int_equal(block_claim(&b, &e), 0);       /* readers share */
    block_close(&a);
    assert_false(other_can(LOCK_EX));
    block_close(&b);
    assert_true(other_can(LOCK_EX));
    /* A writer keeps a reader out. */
    assert_int_equal(flock(other, LOCK_EX | LOCK_NB), 0);
    open_image(&a, true);
    assert_int_equal(block_claim(&a, &e), -1);
    assert_non_null(strstr(e.msg, "is in use by another process"));
    block_close(&a);
}

static void test_open_refusals_keep_their_messages(void **state)
{
    (void)state;
    struct block b;
    struct err e = {0};
    assert_int_equal(block_open(&b, "/nonexistent/cella.img", false, &e), -1);
    assert_string_equal(e.msg, "--disk: cannot open '/nonexistent/cella.img'");
    assert_int_equal(b.fd, -1);
    assert_int_equal(block_open(&b, "/tmp", false, &e), -1);
    assert_string_equal(e.msg, "--disk: cannot open '/tmp'");    /* EISDIR */
    assert_int_equal(block_open(&b, "/tmp", true, &e), -1);
    assert_string_equal(e.msg, "--disk: '/tmp' is a directory, not a disk "
                        "image");
    assert_int_equal(b.fd, -1);
    assert_null(b.path);
    block_close(&b);                                /* again is fine */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_open_takes_no_lock),
        T(test_claim_refused_while_held),
        T(test_release_then_claim),
        T(test_handover_between_two_opens),
        T(test_readonly_takes_a_shared_lock),
        T(test_open_refusals_keep_their_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
