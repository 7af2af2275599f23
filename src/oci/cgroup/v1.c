/* Limits on cgroup v1 hierarchies: the memory, cpu, cpuset, pids, blkio,
 * hugetlb and devices files, and the freezer. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/util.h"
#include "oci/cgroup/internal.h"

#define SWAP_FILE "memory.memsw.limit_in_bytes"

/* memory.limit_in_bytes must stay at or under memory.memsw.limit_in_bytes,
 * so which goes first depends on whether the limits grow or shrink. */
static int v1_memory_and_swap(const char *dir, const struct cg_resources *r,
                              struct err *e)
{
    bool swap = r->has_mem_swap;
    if (swap && !cg_exists(dir, SWAP_FILE)) {
        /* No swap accounting: a swap limit that asks for no more than the
         * memory limit (or for none) changes nothing we could enforce. */
        if (r->mem_swap != -1
            && !(r->has_mem_limit && r->mem_swap == r->mem_limit))
            return err_set(e, ENOENT, "cgroup: %s: write %lld (swap "
                           "accounting is off)", SWAP_FILE,
                           (long long)r->mem_swap);
        swap = false;
    }
    if (!r->has_mem_limit)
        return swap ? cg_writef(dir, SWAP_FILE, e, "%lld",
                                (long long)r->mem_swap) : 0;
    struct err first;
    if (cg_writef(dir, "memory.limit_in_bytes", &first, "%lld",
                  (long long)r->mem_limit) == 0)
        return swap ? cg_writef(dir, SWAP_FILE, e, "%lld",
                                (long long)r->mem_swap) : 0;
    if (!swap || first.errnum != EINVAL) {
        if (e)
            *e = first;
        return -1;
    }
    if (cg_writef(dir, SWAP_FILE, e, "%lld", (long long)r->mem_swap) < 0)
        return -1;
    return cg_writef(dir, "memory.limit_in_bytes", e, "%lld",
                     (long long)r->mem_limit);
}

static int v1_memory(const char *dir, const struct cg_resources *r,
                     struct err *e)
{
    if ((r->has_mem_limit || r->has_mem_swap)
        && v1_memory_and_swap(dir, r, e) < 0)
        return -1;
    if (r->has_mem_reservation
        && cg_writef(dir, "memory.soft_limit_in_bytes", e, "%lld",
                     (long long)r->mem_reservation) < 0)
        return -1;
    if (r->has_swappiness
        && cg_writef(dir, "memory.swappiness", e, "%llu",
                     (unsigned long long)r->swappiness) < 0)
        return -1;
    if (r->has_oom_kill_disable
        && cg_write(dir, "memory.oom_control", r->oom_kill_disable ? "1" : "0",
                    e) < 0)
        return -1;
    return 0;
}

static int v1_cpu(const char *dir, const struct cg_resources *r,
                  struct err *e)
{
    if (r->has_cpu_shares
        && cg_writef(dir, "cpu.shares", e, "%llu",
                     (unsigned long long)r->cpu_shares) < 0)
        return -1;
    if (r->has_cpu_period
        && cg_writef(dir, "cpu.cfs_period_us", e, "%llu",
                     (unsigned long long)r->cpu_period) < 0)
        return -1;
    if (r->has_cpu_quota
        && cg_writef(dir, "cpu.cfs_quota_us", e, "%lld",
                     (long long)r->cpu_quota) < 0)
        return -1;
    if (r->has_rt_period
        && cg_writef(dir, "cpu.rt_period_us", e, "%llu",
                     (unsigned long long)r->rt_period) < 0)
        return -1;
    if (r->has_rt_runtime
        && cg_writef(dir, "cpu.rt_runtime_us", e, "%lld",
                     (long long)r->rt_runtime) < 0)
        return -1;
    if (r->has_cpu_idle
        && cg_writef(dir, "cpu.idle", e, "%lld", (long long)r->cpu_idle) < 0)
        return -1;
    return 0;
}

static void devnum(char *buf, size_t len, int64_t maj, int64_t min)
{
    char a[24] = "*", b[24] = "*";
    if (maj != CG_ANY)
        snprintf(a, sizeof a, "%lld", (long long)maj);
    if (min != CG_ANY)
        snprintf(b, sizeof b, "%lld", (long long)min);
    snprintf(buf, len, "%s:%s", a, b);
}

/* blkio.weight went away with CFQ; BFQ has its own files. */
static int v1_blkio(const char *dir, const struct cg_resources *r,
                    struct err *e)
{
    static const char *const throttle[4] = {
        [CG_THROTTLE_READ_BPS] = "blkio.throttle.read_bps_device",
        [CG_THROTTLE_WRITE_BPS] = "blkio.throttle.write_bps_device",
        [CG_THROTTLE_READ_IOPS] = "blkio.throttle.read_iops_device",
        [CG_THROTTLE_WRITE_IOPS] = "blkio.throttle.write_iops_device",
    };
    bool bfq = !cg_exists(dir, "blkio.weight")
        && cg_exists(dir, "blkio.bfq.weight");
    const char *weight = bfq ? "blkio.bfq.weight" : "blkio.weight";
    const char *weight_dev = bfq ? "blkio.bfq.weight_device"
                                 : "blkio.weight_device";
    char dev[64];
    if (r->blkio_weight
        && cg_writef(dir, weight, e, "%llu",
                     (unsigned long long)r->blkio_weight) < 0)
        return -1;
    if (r->blkio_leaf_weight
        && cg_writef(dir, "blkio.leaf_weight", e, "%llu",
                     (unsigned long long)r->blkio_leaf_weight) < 0)
        return -1;
    for (size_t i = 0; i < r->n_weight_devs; i++) {
        const struct cg_weight_dev *d = &r->weight_devs[i];
        devnum(dev, sizeof dev, d->major, d->minor);
        if (d->weight && cg_writef(dir, weight_dev, e, "%s %llu", dev,
                                   (unsigned long long)d->weight) < 0)
            return -1;
        if (d->leaf_weight
            && cg_writef(dir, "blkio.leaf_weight_device", e, "%s %llu", dev,
                         (unsigned long long)d->leaf_weight) < 0)
            return -1;
    }
    for (int t = 0; t < 4; t++)
        for (size_t i = 0; i < r->n_throttle[t]; i++) {
            const struct cg_rate_dev *d = &r->throttle[t][i];
            devnum(dev, sizeof dev, d->major, d->minor);
            if (cg_writef(dir, throttle[t], e, "%s %llu", dev,
                          (unsigned long long)d->rate) < 0)
                return -1;
        }
    return 0;
}

int cg_v1_apply(const char *ctrl, const char *dir,
                const struct cg_resources *r, struct err *e)
{
    if (!strcmp(ctrl, "memory"))
        return v1_memory(dir, r, e);
    if (!strcmp(ctrl, "cpu"))
        return v1_cpu(dir, r, e);
    if (!strcmp(ctrl, "cpuset") || !strcmp(ctrl, "pids"))
        return cg_apply_cpuset_pids(ctrl, dir, r, e);
    if (!strcmp(ctrl, "blkio"))
        return v1_blkio(dir, r, e);
    if (!strcmp(ctrl, "hugetlb")) {
        char file[64];
        for (size_t i = 0; i < r->n_hugepages; i++) {
            snprintf(file, sizeof file, "hugetlb.%s.limit_in_bytes",
                     r->hugepages[i].size);
            if (cg_writef(dir, file, e, "%llu",
                          (unsigned long long)r->hugepages[i].limit) < 0)
                return -1;
        }
    }
    return 0;
}

static int v1_device_rule(const char *dir, const struct cg_dev_rule *d,
                          char type, struct err *e)
{
    char dev[64], acc[4];
    size_t k = 0;
    if (d->access & CG_ACC_READ)
        acc[k++] = 'r';
    if (d->access & CG_ACC_WRITE)
        acc[k++] = 'w';
    if (d->access & CG_ACC_MKNOD)
        acc[k++] = 'm';
    acc[k] = 0;
    devnum(dev, sizeof dev, d->major, d->minor);
    return cg_writef(dir, d->allow ? "devices.allow" : "devices.deny", e,
                     "%c %s %s", type, dev, acc);
}

/* The kernel reads "a" as the whole list (everything allowed or denied,
 * exceptions cleared); a narrower rule of type a is one for b and one for
 * c. */
int cg_v1_devices(const char *dir, const struct cg_dev_rule *rules, size_t n,
                  struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        const struct cg_dev_rule *d = &rules[i];
        if (d->type != 'a') {
            if (v1_device_rule(dir, d, d->type, e) < 0)
                return -1;
        } else if (d->major == CG_ANY && d->minor == CG_ANY
                   && d->access == CG_ACC_ALL) {
            if (cg_write(dir, d->allow ? "devices.allow" : "devices.deny",
                         "a", e) < 0)
                return -1;
        } else if (v1_device_rule(dir, d, 'b', e) < 0
                   || v1_device_rule(dir, d, 'c', e) < 0) {
            return -1;
        }
    }
    return 0;
}

/* A new cpuset cgroup starts with no cpus and no mems, and takes no task
 * until it has both: copy the parent's. */
int cg_v1_cpuset_inherit(const char *parent, const char *dir, struct err *e)
{
    static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
    char buf[4096];
    for (int i = 0; i < 2; i++) {
        if (cg_read(dir, files[i], buf, sizeof buf, e) < 0)
            return -1;
        if (buf[0])
            continue;
        if (cg_read(parent, files[i], buf, sizeof buf, e) < 0
            || cg_write(dir, files[i], buf, e) < 0)
            return -1;
    }
    return 0;
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* freezer.state reads FREEZING until every task has stopped; writing FROZEN
 * again nudges tasks that were busy the first time. */
int cg_v1_freeze(const char *dir, bool frozen, struct err *e)
{
    const char *want = frozen ? "FROZEN" : "THAWED";
    char state[64];
    uint64_t deadline = now_ns() + 5000000000ull;
    for (;;) {
        if (cg_write(dir, "freezer.state", want, e) < 0
            || cg_read(dir, "freezer.state", state, sizeof state, e) < 0)
            return -1;
        if (!strcmp(state, want))
            return 0;
        if (now_ns() > deadline)
            return err_set(e, 0, "cgroup: freezer.state: still %s after "
                           "writing %s for 5 s", state, want);
        nap_ms(10);
    }
}
