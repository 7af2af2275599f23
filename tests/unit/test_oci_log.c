/* Unit tests of the runtime's timestamps: log_format_time against glibc's
 * gmtime_r across four centuries, leap days and the epoch's edges. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "oci/log.h"

static void expect_gmtime(long long secs)
{
    time_t t = (time_t)secs;
    struct tm tm;
    assert_non_null(gmtime_r(&t, &tm));
    char want[64], got[64];
    snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.000000042Z",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    log_format_time(secs, 42, got, sizeof got);
    assert_string_equal(got, want);
}

static void test_fixed_points(void **state)
{
    (void)state;
    char out[64];
    log_format_time(0, 0, out, sizeof out);
    assert_string_equal(out, "1970-01-01T00:00:00.000000000Z");
    log_format_time(951782400, 5, out, sizeof out);
    assert_string_equal(out, "2000-02-29T00:00:00.000000005Z");
    log_format_time(-1, 999999999, out, sizeof out);
    assert_string_equal(out, "1969-12-31T23:59:59.999999999Z");
    log_format_time(1795354299, 0, out, sizeof out);
    assert_string_equal(out, "2026-11-22T13:31:39.000000000Z");
}

/* Every day from 1800 to 2400, each at a different time of day. */
static void test_matches_gmtime(void **state)
{
    (void)state;
    const long long from = -5364662400LL, to = 13569465600LL;
    long long step = 86400 + 3607;
    for (long long s = from; s < to; s += step)
        expect_gmtime(s);
}

static void test_short_buffer(void **state)
{
    (void)state;
    char out[11];
    log_format_time(0, 0, out, sizeof out);
    assert_string_equal(out, "1970-01-01");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_points),
        cmocka_unit_test(test_matches_gmtime),
        cmocka_unit_test(test_short_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
