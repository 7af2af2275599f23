/* Unit tests of the runtime <-> container channel (oci/sync.c): a failure
 * the container sent before it went away reaches the runtime, however
 * the pair was closed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/sync.h"

/* The container's end says why it failed, then goes; with unread is set,
 * a message of the runtime's is still waiting at that end when it does,
 * which resets the pair. */
static void fail_and_go(int sv[2], bool unread)
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    struct err why = {0};
    err_set(&why, 0, "cannot join /etc/hostname");
    assert_int_equal(sync_send_err(sv[1], &why), -1);
    if (unread)
        assert_int_equal(sync_send(sv[0], SYNC_GO, 0, NULL), 0);
    close(sv[1]);
}

static void test_failure_before_an_orderly_close(void **state)
{
    (void)state;
    int sv[2];
    fail_and_go(sv, false);
    struct err e = {0};
    assert_int_equal(sync_recv(sv[0], SYNC_PID, NULL, "its pid", &e), -1);
    assert_string_equal(e.msg, "cannot join /etc/hostname");
    close(sv[0]);
}

static void test_failure_before_a_reset(void **state)
{
    (void)state;
    int sv[2];
    fail_and_go(sv, true);
    struct err e = {0};
    assert_int_equal(sync_recv(sv[0], SYNC_PID, NULL, "its pid", &e), -1);
    assert_string_equal(e.msg, "cannot join /etc/hostname");
    close(sv[0]);
}

/* A container that went without a word: the closed channel, named by
 * what was awaited. */
static void test_silent_reset_names_what_was_awaited(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    assert_int_equal(sync_send(sv[0], SYNC_GO, 0, NULL), 0);
    close(sv[1]);
    struct err e = {0};
    assert_int_equal(sync_recv(sv[0], SYNC_PID, NULL, "its pid", &e), -1);
    assert_non_null(strstr(e.msg, "container exited before its pid"));
    close(sv[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failure_before_an_orderly_close),
        cmocka_unit_test(test_failure_before_a_reset),
        cmocka_unit_test(test_silent_reset_names_what_was_awaited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
