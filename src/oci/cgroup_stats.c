/* What `events` reports of a container's cgroup: memory, pids and CPU
 * usage, from whichever hierarchy holds each controller. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "oci/cgroup.h"
#include "oci/cgroup_internal.h"

/* The first number in dir/file (v1 name or v2 name), 0 when absent;
 * "max" reads as 0 too. For v2 cpu.stat, the usage_usec line. */
static unsigned long long number(const struct cgroup *cg, const char *ctrl,
                                 const char *v1, const char *v2)
{
    struct cg_hier *h = cg_find(cg, ctrl);
    char buf[512];
    if (!h || cg_read(h->dir, h->version == 1 ? v1 : v2, buf, sizeof buf,
                      NULL) < 0)
        return 0;
    const char *p = buf;
    if (h->version == 2 && !strcmp(v2, "cpu.stat")) {
        p = strstr(buf, "usage_usec ");
        return p ? strtoull(p + 11, NULL, 10) * 1000 : 0;
    }
    return strtoull(p, NULL, 10);
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
    s->cpu_usage_ns = number(cg, "cpuacct", "cpuacct.usage", "cpu.stat");
    if (!s->cpu_usage_ns)
        s->cpu_usage_ns = number(cg, "cpu", "cpuacct.usage", "cpu.stat");
    return 0;
}
