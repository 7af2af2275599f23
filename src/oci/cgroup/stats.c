/* What `events` reports of a container's cgroup: memory, pids and CPU
 * usage, from whichever hierarchy holds each controller (CPU usage on v2
 * from cpu.stat, which every cgroup has, cpu controller or not). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "oci/cgroup/cgroup.h"
#include "oci/cgroup/internal.h"

/* The first number in h's file, 0 when absent; "max" reads as 0 too. For
 * v2 cpu.stat, the usage_usec line in nanoseconds. */
static unsigned long long read_number(const struct cg_hier *h,
                                      const char *file)
{
    char buf[512];
    if (!h || cg_read(h->dir, file, buf, sizeof buf, NULL) < 0)
        return 0;
    if (!strcmp(file, "cpu.stat")) {
        const char *p = strstr(buf, "usage_usec ");
        return p ? strtoull(p + 11, NULL, 10) * 1000 : 0;
    }
    return strtoull(buf, NULL, 10);
}

/* dir/file of controller ctrl's hierarchy, by its v1 or its v2 name. */
static unsigned long long number(const struct cgroup *cg, const char *ctrl,
                                 const char *v1, const char *v2)
{
    const struct cg_hier *h = cg_find(cg, ctrl);
    return h ? read_number(h, h->version == 1 ? v1 : v2) : 0;
}

static const struct cg_hier *cpu_usage_hier(const struct cgroup *cg)
{
    const struct cg_hier *h = cg_find(cg, "cpuacct");
    if (h && h->version == 1)
        return h;
    for (size_t i = 0; i < cg->n; i++)
        if (cg->h[i].version == 2)
            return &cg->h[i];
    return NULL;
}

int cg_stats(struct cgroup *cg, struct cg_stats *s, struct err *e)
{
    (void)e;
    memset(s, 0, sizeof *s);
    s->memory_usage = number(cg, "memory", "memory.usage_in_bytes",
                             "memory.current");
    s->memory_limit = number(cg, "memory", "memory.limit_in_bytes",
                             "memory.max");
    s->pids_current = number(cg, "pids", "pids.current", "pids.current");
    s->pids_limit = number(cg, "pids", "pids.max", "pids.max");
    const struct cg_hier *cpu = cpu_usage_hier(cg);
    if (cpu)
        s->cpu_usage_ns = read_number(cpu, cpu->version == 1
                                               ? "cpuacct.usage"
                                               : "cpu.stat");
    return 0;
}
