/* Unit tests of the sealed self re-exec: a forked child calls
 * selfexe_ensure with this binary's argv plus a marker; main sees the
 * marker in the re-executed process and checks there that /proc/self/exe
 * is a memfd with the four seals that cannot be written, and that a second
 * selfexe_ensure returns at once. (Its cost is in bench/ct-start.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/selfexe.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define MARK_SEALED "--selfexe-check-sealed"

static char *argv0;

/* In the re-executed process: 0 when all is as it should be. */
static int check_sealed(char **argv)
{
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 2;
    int seals = fcntl(fd, F_GET_SEALS);
    close(fd);
    if (seals != SEALS) {
        fprintf(stderr, "seals %#x, want %#x\n", seals, SEALS);
        return 3;
    }
    fd = open("/proc/self/exe", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        bool wrote = write(fd, "x", 1) >= 0 || errno != EPERM;
        close(fd);
        if (wrote)
            return 4;
    }
    struct err e;
    if (selfexe_ensure(argv, &e) != 0) {
        fprintf(stderr, "second selfexe_ensure: %s\n", e.msg);
        return 5;
    }
    return 0;
}

/* Fork a child that runs selfexe_ensure with our binary and mark; its
 * exit status (the re-executed process's). */
static int run_ensure(const char *mark)
{
    pid_t pid = fork();
    if (pid == 0) {
        char *av[] = { argv0, (char *)mark, NULL };
        struct err e = { 0 };
        if (selfexe_ensure(av, &e) == 0)
            _exit(10);
        fprintf(stderr, "selfexe_ensure: %s\n", e.msg);
        _exit(11);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

static void test_reexec_sealed(void **state)
{
    (void)state;
    assert_int_equal(run_ensure(MARK_SEALED), 0);
}

int main(int argc, char **argv)
{
    argv0 = argv[0];
    if (argc == 2 && strcmp(argv[1], MARK_SEALED) == 0)
        return check_sealed(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reexec_sealed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
