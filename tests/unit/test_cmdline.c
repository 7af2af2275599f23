/* Unit tests of reading the kernel command line: which console= counts
 * (the last one before "--"), device options after a comma, quotes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vm/cmdline.h"

static void test_last_console_wins(void **state)
{
    (void)state;
    assert_true(cmdline_console_is("console=hvc0 quiet", "hvc0"));
    assert_true(cmdline_console_is("console=ttyS0 console=hvc0", "hvc0"));
    assert_false(cmdline_console_is("console=hvc0 console=ttyS0", "hvc0"));
    assert_true(cmdline_console_is("console=hvc0 console=ttyS0", "ttyS0"));
    assert_true(cmdline_console_is("  quiet\tconsole=hvc0\n", "hvc0"));
}

static void test_names_must_match_whole(void **state)
{
    (void)state;
    assert_true(cmdline_console_is("console=hvc0,115200", "hvc0"));
    assert_false(cmdline_console_is("console=hvc01", "hvc0"));
    assert_false(cmdline_console_is("console=hvc", "hvc0"));
    assert_false(cmdline_console_is("earlycon=hvc0", "hvc0"));
    assert_false(cmdline_console_is("xconsole=hvc0", "hvc0"));
    assert_true(cmdline_console_is("\"console=hvc0\"", "hvc0"));
    assert_true(cmdline_console_is("console=\"hvc0\" x=\"a b\"", "hvc0"));
}

static void test_no_console(void **state)
{
    (void)state;
    assert_false(cmdline_console_is(NULL, "hvc0"));
    assert_false(cmdline_console_is("", "hvc0"));
    assert_false(cmdline_console_is("quiet panic=-1", "hvc0"));
    assert_false(cmdline_console_is("console=", "hvc0"));
}

/* After "--" the words are init's, not the kernel's. */
static void test_init_arguments_do_not_count(void **state)
{
    (void)state;
    assert_false(cmdline_console_is("quiet -- console=hvc0", "hvc0"));
    assert_true(cmdline_console_is("console=hvc0 -- console=ttyS0", "hvc0"));
    /* Inside quotes "--" is a value, not the end. */
    assert_true(cmdline_console_is("x=\"a -- b\" console=hvc0", "hvc0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_last_console_wins),
        cmocka_unit_test(test_names_must_match_whole),
        cmocka_unit_test(test_no_console),
        cmocka_unit_test(test_init_arguments_do_not_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
