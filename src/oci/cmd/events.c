/* `events`: a container's resource usage as JSON lines, once (--stats) or
 * every --interval seconds until it stops. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/cgroup/cgroup.h"
#include "oci/cmd/cmd.h"
#include "oci/cmd/opts.h"
#include "oci/container.h"
#include "oci/state.h"

static int print_stats(const struct oci_state *st, struct err *e)
{
    struct cg_stats s;
    if (container_stats(st, &s, e) < 0)
        return -1;
    printf("{\"type\":\"stats\",\"id\":\"%s\",\"data\":{"
           "\"cpu\":{\"usage\":{\"total\":%llu}},"
           "\"memory\":{\"usage\":{\"usage\":%llu,\"limit\":%llu}},"
           "\"pids\":{\"current\":%llu,\"limit\":%llu}}}\n",
           st->id, s.cpu_usage_ns, s.memory_usage, s.memory_limit,
           s.pids_current, s.pids_limit);
    fflush(stdout);
    return 0;
}

int cmd_events(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    bool stats = false;
    long interval = 5;
    const struct opt opts[] = {{"stats", 0, OPT_FLAG, &stats},
                               {"interval", 0, OPT_INT, &interval},
                               {0}};
    int i = 1;
    const char *id;
    if (opts_parse("events", argc, argv, &i, opts, e) < 0 ||
        cmd_id("events", argc, argv, i, false, &id, e) < 0)
        return -1;
    if (interval < 1)
        return err_set(e, 0, "events: --interval must be at least 1");
    struct oci_state st;
    if (state_load(c->root, id, &st, e) < 0)
        return -1;
    int r = 0;
    do {
        if (state_status(&st) == ST_STOPPED) {
            r = stats ? err_set(e, 0, "container %s is stopped", id) : 0;
            break;
        }
        if ((r = print_stats(&st, e)) < 0 || stats)
            break;
        sleep((unsigned)interval);
    } while (1);
    state_free(&st);
    return r;
}
