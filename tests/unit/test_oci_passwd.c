/* Unit tests of passwd_home: the home of a uid in a passwd file written by
 * the container's owner, so malformed lines, odd uids, long homes and
 * files that are not regular must neither match wrongly nor hang. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/passwd.h"

static char dir[] = "/tmp/cella-passwd-XXXXXX";

static const char *write_file(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "%s/passwd", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

static void test_finds_home(void **state)
{
    (void)state;
    const char *p = write_file("root:x:0:0:root:/root:/bin/sh\n"
                               "user:x:1000:1000:A User,,,:/home/user:/bin/sh\n"
                               "last:x:7:7::/var/last:/bin/false");
    char home[64];
    assert_int_equal(passwd_home(p, 0, home, sizeof home), 0);
    assert_string_equal(home, "/root");
    assert_int_equal(passwd_home(p, 1000, home, sizeof home), 0);
    assert_string_equal(home, "/home/user");
    /* The last line without its newline. */
    assert_int_equal(passwd_home(p, 7, home, sizeof home), 0);
    assert_string_equal(home, "/var/last");
    assert_int_equal(passwd_home(p, 4242, home, sizeof home), -1);
}

static void test_first_entry_wins(void **state)
{
    (void)state;
    const char *p = write_file("a:x:5:5::/first:\nb:x:5:5::/second:\n");
    char home[64];
    assert_int_equal(passwd_home(p, 5, home, sizeof home), 0);
    assert_string_equal(home, "/first");
}

static void test_malformed_lines_never_match(void **state)
{
    (void)state;
    const char *p = write_file("\n"
                               "short:x:9\n"
                               "neg:x:-9:0::/neg:\n"
                               "sign:x:+9:0::/plus:\n"
                               "hex:x:0x9:0::/hex:\n"
                               "big:x:99999999999:0::/big:\n"
                               "wrap:x:4294967305:0::/wrap:\n"
                               "trail:x:9z:0::/trail:\n"
                               "nohome:x:9:0:\n");
    char home[64];
    assert_int_equal(passwd_home(p, 9, home, sizeof home), -1);
}

static void test_empty_or_long_home_is_none(void **state)
{
    (void)state;
    char home[8];
    const char *p = write_file("e:x:3:3:::/bin/sh\n");
    assert_int_equal(passwd_home(p, 3, home, sizeof home), -1);
    p = write_file("l:x:3:3::/a/long/home:/bin/sh\n");
    assert_int_equal(passwd_home(p, 3, home, sizeof home), -1);
    p = write_file("f:x:3:3::/fits12:/bin/sh\n");
    assert_int_equal(passwd_home(p, 3, home, sizeof home), 0);
    assert_string_equal(home, "/fits12");
}

/* A fifo must not block the runtime, a directory or a missing file is no
 * passwd. */
static void test_not_a_regular_file(void **state)
{
    (void)state;
    char path[64], home[64];
    snprintf(path, sizeof path, "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(passwd_home(path, 0, home, sizeof home), -1);
    assert_int_equal(passwd_home(dir, 0, home, sizeof home), -1);
    snprintf(path, sizeof path, "%s/missing", dir);
    assert_int_equal(passwd_home(path, 0, home, sizeof home), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finds_home),
        cmocka_unit_test(test_first_entry_wins),
        cmocka_unit_test(test_malformed_lines_never_match),
        cmocka_unit_test(test_empty_or_long_home_is_none),
        cmocka_unit_test(test_not_a_regular_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
