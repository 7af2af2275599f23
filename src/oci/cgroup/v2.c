/* Limits on the cgroup v2 hierarchy: memory, cpu, cpuset, pids, io and
 * hugetlb files in v2's units, linux.resources.unified, and cgroup.freeze. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/util.h"
#include "oci/cgroup/internal.h"

static int write_max(const char *dir, const char *file, int64_t v,
                     struct err *e)
{
    if (v == -1)
        return cg_write(dir, file, "max", e);
    return cg_writef(dir, file, e, "%lld", (long long)v);
}

/* OCI's swap is memory plus swap; memory.swap.max is the swap alone. v2
 * has no swappiness nor OOM-killer switch: those two are not applied. */
static int v2_memory(const char *dir, const struct cg_resources *r,
                     struct err *e)
{
    if (r->has_mem_limit && write_max(dir, "memory.max", r->mem_limit, e) < 0)
        return -1;
    if (r->has_mem_reservation
        && write_max(dir, "memory.low", r->mem_reservation, e) < 0)
        return -1;
    if (!r->has_mem_swap)
        return 0;
    bool same = r->has_mem_limit && r->mem_swap == r->mem_limit;
    if (!cg_exists(dir, "memory.swap.max")) {
        if (r->mem_swap == -1 || same)
            return 0;
        return err_set(e, ENOENT, "cgroup: memory.swap.max: write for swap "
                       "%lld (swap accounting is off)",
                       (long long)r->mem_swap);
    }
    if (r->mem_swap == -1)
        return cg_write(dir, "memory.swap.max", "max", e);
    if (!r->has_mem_limit || r->mem_limit == -1)
        return err_set(e, 0, "cgroup: memory.swap.max: swap %lld needs a "
                       "memory limit on cgroup v2", (long long)r->mem_swap);
    return cg_writef(dir, "memory.swap.max", e, "%lld",
                     (long long)(r->mem_swap - r->mem_limit));
}

/* cpu.max is "quota period": keep the half that r does not set. Realtime
 * runtime and period have no v2 files and are not applied. */
static int v2_cpu(const char *dir, const struct cg_resources *r,
                  struct err *e)
{
    if (r->has_cpu_shares
        && cg_writef(dir, "cpu.weight", e, "%llu",
                     1 + ((unsigned long long)r->cpu_shares - 2) * 9999
                             / 262142) < 0)
        return -1;
    if (r->has_cpu_quota || r->has_cpu_period) {
        char cur[64], quota[32] = "max";
        unsigned long long period = 100000;
        if (cg_read(dir, "cpu.max", cur, sizeof cur, e) < 0)
            return -1;
        if (sscanf(cur, "%31s %llu", quota, &period) < 1)
            return err_set(e, 0, "cgroup: cpu.max: cannot read \"%s\"", cur);
        if (r->has_cpu_quota && r->cpu_quota == -1)
            snprintf(quota, sizeof quota, "max");
        else if (r->has_cpu_quota)
            snprintf(quota, sizeof quota, "%lld", (long long)r->cpu_quota);
        if (r->has_cpu_period)
            period = r->cpu_period;
        if (cg_writef(dir, "cpu.max", e, "%s %llu", quota, period) < 0)
            return -1;
    }
    if (r->has_cpu_idle
        && cg_writef(dir, "cpu.idle", e, "%lld", (long long)r->cpu_idle) < 0)
        return -1;
    return 0;
}

/* blkio weights (10-1000) become io.weight (1-10000); io.bfq.weight takes
 * them as they are. v2 has no leaf weights: those are not applied. */
static int v2_io(const char *dir, const struct cg_resources *r,
                 struct err *e)
{
    static const char *const key[4] = {
        [CG_THROTTLE_READ_BPS] = "rbps", [CG_THROTTLE_WRITE_BPS] = "wbps",
        [CG_THROTTLE_READ_IOPS] = "riops", [CG_THROTTLE_WRITE_IOPS] = "wiops",
    };
    bool bfq = cg_exists(dir, "io.bfq.weight");
    const char *file = bfq ? "io.bfq.weight" : "io.weight";
#define CONV(w) (bfq ? (w) : 1 + ((w) - 10) * 9999 / 990)
    if (r->blkio_weight
        && cg_writef(dir, file, e, "default %llu",
                     (unsigned long long)CONV(r->blkio_weight)) < 0)
        return -1;
    for (size_t i = 0; i < r->n_weight_devs; i++) {
        const struct cg_weight_dev *d = &r->weight_devs[i];
        if (d->weight
            && cg_writef(dir, file, e, "%lld:%lld %llu", (long long)d->major,
                         (long long)d->minor,
                         (unsigned long long)CONV(d->weight)) < 0)
            return -1;
    }
#undef CONV
    for (int t = 0; t < 4; t++)
        for (size_t i = 0; i < r->n_throttle[t]; i++) {
            const struct cg_rate_dev *d = &r->throttle[t][i];
            if (cg_writef(dir, "io.max", e, "%lld:%lld %s=%llu",
                          (long long)d->major, (long long)d->minor, key[t],
                          (unsigned long long)d->rate) < 0)
                return -1;
        }
    return 0;
}

int cg_v2_apply(const char *ctrl, const char *dir,
                const struct cg_resources *r, struct err *e)
{
    if (!strcmp(ctrl, "memory"))
        return v2_memory(dir, r, e);
    if (!strcmp(ctrl, "cpu"))
        return v2_cpu(dir, r, e);
    if (!strcmp(ctrl, "cpuset") || !strcmp(ctrl, "pids"))
        return cg_apply_cpuset_pids(ctrl, dir, r, e);
    if (!strcmp(ctrl, "io"))
        return v2_io(dir, r, e);
    if (!strcmp(ctrl, "hugetlb")) {
        char file[64];
        for (size_t i = 0; i < r->n_hugepages; i++) {
            snprintf(file, sizeof file, "hugetlb.%s.max",
                     r->hugepages[i].size);
            if (cg_writef(dir, file, e, "%llu",
                          (unsigned long long)r->hugepages[i].limit) < 0)
                return -1;
        }
    }
    return 0;
}

int cg_v2_unified(const char *dir, const struct cg_resources *r,
                  struct err *e)
{
    for (size_t i = 0; i < r->n_unified; i++)
        if (cg_write(dir, r->unified[i].key, r->unified[i].value, e) < 0)
            return -1;
    return 0;
}

/* Writing cgroup.freeze starts it; cgroup.events says "frozen 1" once
 * every task has stopped. */
int cg_v2_freeze(const char *dir, bool frozen, struct err *e)
{
    char events[512];
    const char *want = frozen ? "frozen 1" : "frozen 0";
    uint64_t deadline = now_ns() + 5000000000ull;
    if (cg_write(dir, "cgroup.freeze", frozen ? "1" : "0", e) < 0)
        return -1;
    for (;;) {
        if (cg_read(dir, "cgroup.events", events, sizeof events, e) < 0)
            return -1;
        for (char *line = events; line;) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = 0;
            if (!strcmp(line, want))
                return 0;
            line = nl ? nl + 1 : NULL;
        }
        if (now_ns() > deadline)
            return err_set(e, 0, "cgroup: cgroup.events: no \"%s\" 5 s after "
                           "writing cgroup.freeze", want);
        struct timespec ts = {0, 10000000L};
        nanosleep(&ts, NULL);
    }
}
