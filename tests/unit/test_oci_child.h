/* For unit tests that change process state (uid, capabilities, seccomp):
 * run a function in a forked child with its stdout and stderr captured,
 * and read fields of /proc/<pid>/status text. Include after cmocka.h. */
#ifndef CELLA_TEST_OCI_CHILD_H
#define CELLA_TEST_OCI_CHILD_H

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

/* Run fn(arg) in a child; its return value is the exit status. Its output
 * lands in out (NUL-terminated); returns the wait status. */
static inline int run_child(int (*fn)(void *), void *arg, char *out,
                            size_t outlen)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], STDOUT_FILENO);
        dup2(p[1], STDERR_FILENO);
        close(p[1]);
        int rc = fn(arg);
        fflush(stdout);
        _exit(rc);
    }
    close(p[1]);
    size_t len = 0;
    for (;;) {
        ssize_t n = read(p[0], out + len, outlen - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += n;
        if (len == outlen - 1)
            break;
    }
    out[len] = 0;
    close(p[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* The text after "name:\t" on its line in status text, up to the line's
 * end, copied to buf; NULL when the field is absent. */
static inline const char *status_field(const char *text, const char *name,
                                       char *buf, size_t len)
{
    size_t nlen = strlen(name);
    for (const char *l = text; *l;) {
        if (strncmp(l, name, nlen) == 0 && l[nlen] == ':') {
            const char *v = l + nlen + 1;
            while (*v == '\t' || *v == ' ')
                v++;
            size_t n = strcspn(v, "\n");
            if (n >= len)
                n = len - 1;
            memcpy(buf, v, n);
            buf[n] = 0;
            while (n > 0 && buf[n - 1] == ' ')
                buf[--n] = 0;
            return buf;
        }
        const char *nl = strchr(l, '\n');
        if (!nl)
            break;
        l = nl + 1;
    }
    return NULL;
}

/* A status field that is a hex capability mask. */
static inline uint64_t status_caps(const char *text, const char *name)
{
    char buf[64];
    assert_non_null(status_field(text, name, buf, sizeof buf));
    return strtoull(buf, NULL, 16);
}

/* Skip the test, saying why, unless this process has every capability in
 * mask (a container running the tests may lack some). */
static inline void require_caps(uint64_t mask)
{
    char text[8192];
    FILE *f = fopen("/proc/self/status", "r");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    uint64_t missing = mask & ~status_caps(text, "CapEff");
    if (missing) {
        printf("skipped: needs capabilities %#" PRIx64 " this process "
               "lacks\n", missing);
        skip();
    }
}

static inline json_object *parse_json(const char *text)
{
    json_object *j = json_tokener_parse(text);
    if (!j)
        fail_msg("bad test json: %s", text);
    return j;
}

#endif
