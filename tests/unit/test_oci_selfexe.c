/* Unit tests of the sealed self re-exec: a forked child calls
 * selfexe_ensure with this binary's argv plus a marker; main sees the
 * marker in the re-executed process and checks there that /proc/self/exe
 * is a memfd with the four seals that cannot be written, and that a second
 * selfexe_ensure returns at once. (Its cost is in bench/ct-start.) And
 * selfexe_seal on a memfd whose page a pipe holds (spliced into it): it
 * seals once the pipe lets go after the kernel's own wait, and gives up,
 * in bounded time, while the pipe never does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
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

/* A memfd of one written page, and a pipe holding a reference to that
 * page: fds[0] the memfd, fds[1..2] the pipe. */
static void pinned_memfd(int fds[3])
{
    fds[0] = memfd_create("pinned", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    assert_true(fds[0] >= 0);
    char page[4096];
    memset(page, 'x', sizeof page);
    assert_int_equal(write(fds[0], page, sizeof page), sizeof page);
    assert_int_equal(pipe2(&fds[1], O_CLOEXEC), 0);
    loff_t off = 0;
    assert_int_equal(splice(fds[0], &off, fds[2], NULL, sizeof page, 0), sizeof page);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Empties the pipe (dropping its reference) 300 ms from now: longer than
 * the kernel waits in one F_ADD_SEALS (about 150 ms). */
static void *release_later(void *arg)
{
    int *fds = arg;
    char page[4096];
    usleep(300 * 1000);
    if (read(fds[1], page, sizeof page) != (ssize_t)sizeof page)
        return (void *)1;
    return NULL;
}

static void test_seal_waits_out_a_pin(void **state)
{
    (void)state;
    int fds[3];
    pinned_memfd(fds);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, release_later, fds), 0);
    double t0 = now();
    int rc = selfexe_seal(fds[0]);
    int en = errno;
    double took = now() - t0;
    void *res;
    pthread_join(t, &res);
    assert_null(res);
    if (rc != 0)
        fprintf(stderr, "selfexe_seal: %s after %.0f ms\n", strerror(en), took * 1e3);
    assert_int_equal(rc, 0);
    assert_true(took >= 0.25);   /* it did have to outlast the pin */
    assert_int_equal(fcntl(fds[0], F_GET_SEALS), SEALS);
    for (int i = 0; i < 3; i++)
        close(fds[i]);
}

static void test_seal_gives_up_on_a_lasting_pin(void **state)
{
    (void)state;
    int fds[3];
    pinned_memfd(fds);
    double t0 = now();
    assert_int_equal(selfexe_seal(fds[0]), -1);
    assert_int_equal(errno, EBUSY);
    assert_true(now() - t0 < 5);
    assert_false(fcntl(fds[0], F_GET_SEALS) & F_SEAL_WRITE);
    for (int i = 0; i < 3; i++)
        close(fds[i]);
}

int main(int argc, char **argv)
{
    argv0 = argv[0];
    if (argc == 2 && strcmp(argv[1], MARK_SEALED) == 0)
        return check_sealed(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reexec_sealed),
        cmocka_unit_test(test_seal_waits_out_a_pin),
        cmocka_unit_test(test_seal_gives_up_on_a_lasting_pin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
