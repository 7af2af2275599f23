/* The processes in a container's cgroup: listing them (children cgroups
 * included), and cg_destroy, which kills them and removes the directories
 * on every hierarchy (and the parents cg_create made, when it is the
 * cgroup cg_create returned: a create that fails leaves nothing). */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "oci/cgroup/internal.h"

#define DESTROY_NS 5000000000ull

struct pidv {
    pid_t *v;
    size_t n, cap;
};

static int add_pid(struct pidv *p, pid_t pid, struct err *e)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i] == pid)
            return 0;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        pid_t *v = realloc(p->v, cap * sizeof *v);
        if (!v)
            return err_set(e, ENOMEM, "out of memory");
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = pid;
    return 0;
}

/* cgroup.procs of dir and of every cgroup below it; a directory that is
 * gone holds nothing. */
static int collect(const char *dir, struct pidv *p, struct err *e)
{
    char *file = cg_join(dir, "cgroup.procs");
    if (!file)
        return err_set(e, ENOMEM, "out of memory");
    char *data;
    size_t len;
    struct err rerr;
    int rc = cg_slurp(file, &data, &len, &rerr);
    free(file);
    if (rc < 0) {
        if (rerr.errnum == ENOENT)
            return 0;
        if (e)
            *e = rerr;
        return -1;
    }
    for (size_t i = 0; i < len && rc == 0;) {
        long pid = 0;
        while (i < len && data[i] >= '0' && data[i] <= '9')
            pid = pid * 10 + (data[i++] - '0');
        if (pid > 0)
            rc = add_pid(p, (pid_t)pid, e);
        while (i < len && (data[i] < '0' || data[i] > '9'))
            i++;
    }
    free(data);
    DIR *d = rc == 0 ? opendir(dir) : NULL;
    for (struct dirent *de; d && rc == 0 && (de = readdir(d));) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
            continue;
        char *sub = cg_join(dir, de->d_name);
        rc = sub ? collect(sub, p, e) : err_set(e, ENOMEM, "out of memory");
        free(sub);
    }
    if (d)
        closedir(d);
    return rc;
}

int cg_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct err *e)
{
    struct cg_hier *h = cg_find(cg, "pids");
    for (size_t i = 0; !h && i < cg->n; i++)
        if (cg->h[i].version == 2)
            h = &cg->h[i];
    if (!h)
        h = &cg->h[0];
    struct pidv p = {0};
    if (collect(h->dir, &p, e) < 0) {
        free(p.v);
        return -1;
    }
    *pids = p.v;
    *n = p.n;
    return 0;
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Kill everything on every hierarchy until none is left. */
static int kill_all(struct cgroup *cg, uint64_t deadline, struct err *e)
{
    for (;;) {
        struct pidv p = {0};
        for (size_t i = 0; i < cg->n; i++)
            if (collect(cg->h[i].dir, &p, e) < 0) {
                free(p.v);
                return -1;
            }
        for (size_t i = 0; i < p.n; i++)
            kill(p.v[i], SIGKILL);
        free(p.v);
        if (!p.n)
            return 0;
        if (now_ns() > deadline)
            return err_set(e, 0, "cgroup: %s: %zu processes left 5 s after "
                           "SIGKILL", cg_path(cg), p.n);
        nap_ms(10);
    }
}

/* rmdir dir after everything below it; a cgroup whose last task is still
 * exiting answers EBUSY for a moment. */
static int remove_tree(const char *dir, uint64_t deadline, struct err *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : err_set(e, errno, "cgroup: %s: open",
                                             dir);
    int rc = 0;
    for (struct dirent *de; rc == 0 && (de = readdir(d));) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
            continue;
        char *sub = cg_join(dir, de->d_name);
        rc = sub ? remove_tree(sub, deadline, e)
                 : err_set(e, ENOMEM, "out of memory");
        free(sub);
    }
    closedir(d);
    while (rc == 0 && rmdir(dir) < 0 && errno != ENOENT) {
        if (errno != EBUSY || now_ns() > deadline)
            return err_set(e, errno, "cgroup: rmdir %s", dir);
        nap_ms(10);
    }
    return rc;
}

int cg_destroy(struct cgroup *cg, struct err *e)
{
    uint64_t deadline = now_ns() + DESTROY_NS;
    struct cg_hier *freezer = cg_find(cg, "freezer");
    if (!freezer) {
        for (size_t i = 0; i < cg->n; i++)
            if (cg->h[i].version == 2)
                freezer = &cg->h[i];
    }
    if (freezer && access(freezer->dir, F_OK) == 0
        && cg_freeze(cg, false, e) < 0)
        return -1;
    if (kill_all(cg, deadline, e) < 0)
        return -1;
    for (size_t i = 0; i < cg->n; i++) {
        if (remove_tree(cg->h[i].dir, deadline, e) < 0)
            return -1;
        cg_remove_made(&cg->h[i], 1);
    }
    return 0;
}
