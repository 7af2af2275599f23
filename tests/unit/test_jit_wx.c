/* The translator's code buffer is W^X: its executable view is not
 * writable, its writable view not executable (as /proc/self/maps says),
 * and the encoder aims jumps at where code runs, not where it is written.
 * So a host that enforces W^X (PR_SET_MDWE, in a child) still gets
 * translation; one that refuses executable memory altogether (a seccomp
 * filter, in a child) gets a machine that runs its program interpreted,
 * after one warning for all its harts. */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/err.h"
#include "vm/machine.h"
#include "vm/rv/jit.h"
#include "vm/rv/x86.h"

/* A program every hart of four runs (tests/isa/, `make build/isa/...`):
 * it checks its own results and exits 0 when they are right. */
#define SMP_ELF "build/isa/smp_atomics.elf"
#define SMP_CPUS 4

/* Linux 6.3's W^X for a process (linux/prctl.h) */
#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#endif
#define NO_MDWE 97      /* a child's exit: the kernel has no PR_SET_MDWE */

enum host { HOST_PLAIN, HOST_NO_EXEC, HOST_MDWE };

/* Every line of /proc/self/maps that overlaps [p, p + size) has the
 * permissions perm ("r-xs"): returns how many lines there were. */
static int maps_with_perm(const void *p, size_t size, const char *perm)
{
    FILE *f = fopen("/proc/self/maps", "r");
    assert_non_null(f);
    uintptr_t lo = (uintptr_t)p, hi = lo + size;
    unsigned long start, end;
    char perms[8], line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) != 3)
            continue;
        if (end <= lo || start >= hi)
            continue;
        if (strcmp(perms, perm))
            fail_msg("%#lx-%#lx is %s, not %s", start, end, perms, perm);
        n++;
    }
    fclose(f);
    return n;
}

static void test_views_are_wx(void **state)
{
    (void)state;
    bool refused;
    struct err e;
    struct jit *j = jit_new(false, &refused, &e);
    assert_non_null(j);
    assert_ptr_not_equal(j->code, j->write);
    assert_true(maps_with_perm(j->code, j->size, "r-xs") > 0);
    assert_true(maps_with_perm(j->write, j->size, "rw-s") > 0);
    /* one memory: the lookup stub, written through one view, is read
     * back through the other */
    assert_true(j->base > 0);
    assert_memory_equal(j->code, j->write, j->base);
    assert_true(j->lookup > j->code && j->lookup < j->code + j->base);
    jit_free(j);
}

/* A rel32 is relative to where the next instruction runs: write pointer
 * + delta. */
static void test_jumps_aim_at_exec_view(void **state)
{
    (void)state;
    uint8_t buf[16];
    const intptr_t delta = 0x10000;
    struct x86 a = {buf, delta};
    const uint8_t *runs_at = (const uint8_t *)((uintptr_t)buf + delta);
    assert_ptr_equal(x86_here(&a), runs_at);
    const uint8_t *target = runs_at + 100;
    x86_jmp(&a, target);
    int32_t rel;
    memcpy(&rel, buf + 1, 4);
    assert_int_equal(buf[0], 0xe9);
    assert_int_equal(rel, 100 - 5);
    x86_jcc(&a, CC_NE, runs_at);
    memcpy(&rel, buf + 7, 4);
    assert_int_equal(buf[5], 0x0f);
    assert_int_equal(rel, -11);
    assert_ptr_equal(x86_here(&a), runs_at + 11);
}

/* Refuse what W^X hosts refuse: any mapping or protection change that
 * asks for PROT_EXEC. */
static void refuse_exec(void)
{
    scmp_filter_ctx c = seccomp_init(SCMP_ACT_ALLOW);
    const int calls[] = {SCMP_SYS(mmap), SCMP_SYS(mprotect),
                         SCMP_SYS(pkey_mprotect)};
    if (!c)
        _exit(90);
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        if (seccomp_rule_add(c, SCMP_ACT_ERRNO(EPERM), calls[i], 1,
                             SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC,
                                     PROT_EXEC)) < 0)
            _exit(91);
    }
    if (seccomp_load(c) < 0)
        _exit(92);
    seccomp_release(c);
}

/* Forbid what W^X forbids: a mapping both writable and executable (the
 * one the translator had before it had two views). */
static void deny_write_exec(void)
{
    if (prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0L, 0L, 0L) < 0)
        _exit(errno == EINVAL ? NO_MDWE : 96);
    void *p = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED)
        _exit(97);
}

/* In a child on a host of that kind: the machine runs SMP_ELF with
 * stderr into err_fd. Returns the child's exit status: the guest's, or
 * 90-99 when the child's own checks fail. */
static int run_child(enum host host, int err_fd)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (host != HOST_PLAIN) {
            if (host == HOST_NO_EXEC)
                refuse_exec();
            else
                deny_write_exec();
            bool refused;
            struct jit *j = jit_new(false, &refused, 0);
            if ((host == HOST_NO_EXEC) != (!j && refused))
                _exit(93);
            jit_free(j);
        }
        int null = open("/dev/null", O_RDWR);
        if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
            dup2(err_fd, 2) < 0)
            _exit(94);
        struct vm_config cfg = {.bios = SMP_ELF, .mem_size = 64u << 20,
                                .cpus = SMP_CPUS};
        struct err e;
        int status = machine_run(&cfg, &e);
        if (status < 0) {
            err_print(&e);
            _exit(95);
        }
        _exit(status);
    }
    int ws;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    assert_true(WIFEXITED(ws));
    return WEXITSTATUS(ws);
}

/* The lines of what the child wrote to fd that contain s. */
static int lines_with(int fd, const char *s, int *total)
{
    FILE *f = fdopen(dup(fd), "r");
    assert_non_null(f);
    rewind(f);
    char line[512];
    int n = 0;
    *total = 0;
    while (fgets(line, sizeof line, f)) {
        ++*total;
        n += strstr(line, s) != 0;
    }
    fclose(f);
    return n;
}

static void run_elf(enum host host, int want_warnings)
{
    if (access(SMP_ELF, R_OK) < 0)
        skip();     /* built by `make test`; alone: make SMP_ELF */
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int fd = fileno(tmp);
    int status = run_child(host, fd);
    if (status == NO_MDWE)
        skip();
    assert_int_equal(status, 0);
    int total;
    int warnings = lines_with(fd, "cella: warning: executable memory "
                              "refused (mmap: Operation not permitted): "
                              "running interpreted", &total);
    assert_int_equal(warnings, want_warnings);
    assert_int_equal(total, want_warnings);
    fclose(tmp);
}

static void test_refused_runs_interpreted(void **state)
{
    (void)state;
    run_elf(HOST_NO_EXEC, 1);
}

/* W^X enforced: the translator is made (run_child checks), no warning. */
static void test_mdwe_translates(void **state)
{
    (void)state;
    run_elf(HOST_MDWE, 0);
}

/* Nothing refused: no warning (the count above is real). */
static void test_allowed_no_warning(void **state)
{
    (void)state;
    run_elf(HOST_PLAIN, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_views_are_wx),
        cmocka_unit_test(test_jumps_aim_at_exec_view),
        cmocka_unit_test(test_refused_runs_interpreted),
        cmocka_unit_test(test_mdwe_translates),
        cmocka_unit_test(test_allowed_no_warning),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
