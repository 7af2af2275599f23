/* `delete`: a stopped (or, forced, any) container's processes, cgroup,
 * poststop hooks and state directory. */
#include "oci/container.h"

#include <signal.h>

#include "base/err.h"
#include "oci/cgroup/cgroup.h"

int container_delete(struct oci_state *st, bool force, struct err *e)
{
    enum oci_status s = state_status(st);
    if ((s == ST_RUNNING || s == ST_PAUSED) && !force)
        return err_set(e, 0, "container %s is %s: stop it first or use "
                       "--force", st->id, state_status_name(s));
    if (s != ST_STOPPED && s != ST_CREATING)
        kill(st->pid, SIGKILL);
    if (st->cgroup[0]) {
        struct cgroup *cg;
        if (cg_open(st->cgroup, &cg, e) == 0) {
            int r = cg_destroy(cg, e);
            cg_close(cg);
            if (r < 0)
                return -1;
        }
    }
    struct err hook_err = {0};
    int hr = container_hooks_run(st, HOOK_POSTSTOP, ST_STOPPED, &hook_err);
    if (state_remove(st, e) < 0)
        return -1;
    if (hr < 0)
        err_print(&hook_err);
    return 0;
}
