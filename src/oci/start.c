/* `start`: a created container's init released through its exec fifo,
 * then the poststart hooks. */
#include "oci/container.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "base/err.h"

int container_start(struct oci_state *st, struct err *e)
{
    enum oci_status s = state_status(st);
    if (s != ST_CREATED)
        return err_set(e, 0, "container %s is %s, not created", st->id,
                       state_status_name(s));
    char fifo[PATH_MAX + 16];
    state_file(st, "exec.fifo", fifo, sizeof fifo);
    int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, errno == ENXIO ? 0 : errno,
                       "container %s: its init is gone", st->id);
    ssize_t n = write(fd, "1", 1);
    close(fd);
    unlink(fifo);
    if (n != 1)
        return err_set(e, errno, "container %s: start", st->id);
    return container_hooks_run(st, HOOK_POSTSTART, ST_RUNNING, e);
}
