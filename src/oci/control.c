/* What the commands do through a running container's cgroup: list its
 * processes (ps, kill --all), freeze and thaw it (pause, resume), change
 * its limits (update) and read its usage (events). */
#include "oci/container.h"

#include "base/err.h"
#include "oci/cgroup/cgroup.h"

/* The container's cgroup; an error naming what needed it for a container
 * made without one. */
static int open_cgroup(const struct oci_state *st, const char *what,
                       struct cgroup **cg, struct err *e)
{
    if (!st->cgroup[0])
        return err_set(e, 0, "container %s has no cgroup (made with "
                       "--cgroup-manager disabled): %s needs one", st->id,
                       what);
    return cg_open(st->cgroup, cg, e);
}

int container_pids(const struct oci_state *st, const char *what,
                   pid_t **pids, size_t *n, struct err *e)
{
    struct cgroup *cg;
    if (open_cgroup(st, what, &cg, e) < 0)
        return -1;
    int r = cg_pids(cg, pids, n, e);
    cg_close(cg);
    return r;
}

int container_pause(struct oci_state *st, bool paused, struct err *e)
{
    enum oci_status s = state_status(st);
    if (paused ? s != ST_RUNNING && s != ST_CREATED : s != ST_PAUSED)
        return err_set(e, 0, "container %s is %s, not %s", st->id,
                       state_status_name(s), paused ? "running" : "paused");
    struct cgroup *cg;
    if (open_cgroup(st, paused ? "pause" : "resume", &cg, e) < 0)
        return -1;
    int r = cg_freeze(cg, paused, e);
    cg_close(cg);
    if (r < 0)
        return -1;
    st->paused = paused;
    return state_save(st, e);
}

int container_update(const struct oci_state *st,
                     const struct cg_resources *r, struct err *e)
{
    if (state_status(st) == ST_STOPPED)
        return err_set(e, 0, "container %s is stopped", st->id);
    struct cgroup *cg;
    if (open_cgroup(st, "update", &cg, e) < 0)
        return -1;
    int ret = cg_update(cg, r, e);
    cg_close(cg);
    return ret;
}

int container_stats(const struct oci_state *st, struct cg_stats *s,
                    struct err *e)
{
    struct cgroup *cg;
    if (open_cgroup(st, "stats", &cg, e) < 0)
        return -1;
    int r = cg_stats(cg, s, e);
    cg_close(cg);
    return r;
}
