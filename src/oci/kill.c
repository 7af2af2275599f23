/* `kill`: a signal to a container's init, or to every process in its
 * cgroup. */
#include "oci/container.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "base/err.h"

int container_kill(const struct oci_state *st, int sig, bool all,
                   struct err *e)
{
    if (state_status(st) == ST_STOPPED)
        return err_set(e, 0, "container %s is not running", st->id);
    if (!all)
        return kill(st->pid, sig) < 0
                   ? err_set(e, errno, "kill container %s", st->id) : 0;
    pid_t *pids;
    size_t n;
    if (container_pids(st, "kill --all", &pids, &n, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        kill(pids[i], sig);
    free(pids);
    return 0;
}
