/* The runtime ↔ container message channel. */
#include "oci/sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "base/err.h"

/* Whether the other side, gone, said why first (a SYNC_ERROR still to
 * read); e then says that, not the closed channel. */
static bool peer_said_why(int fd, struct err *e)
{
    struct sync_msg m;
    if (recv(fd, &m, sizeof m, MSG_DONTWAIT) != sizeof m ||
        m.type != SYNC_ERROR)
        return false;
    m.text[sizeof m.text - 1] = 0;
    err_set(e, m.errnum, "%s", m.text);
    return true;
}

static int peer_gone(int fd, int errnum, struct err *e)
{
    if (peer_said_why(fd, e))
        return -1;
    return err_set(e, errnum, "container setup channel");
}

int sync_send(int fd, int type, int value, struct err *e)
{
    struct sync_msg m = {.type = type, .value = value};
    if (send(fd, &m, sizeof m, MSG_NOSIGNAL) != sizeof m)
        return peer_gone(fd, errno, e);
    return 0;
}

int sync_send_err(int fd, const struct err *err)
{
    struct sync_msg m = {.type = SYNC_ERROR, .errnum = err->errnum};
    strncpy(m.text, err->msg, sizeof m.text - 1);
    send(fd, &m, sizeof m, MSG_NOSIGNAL);
    return -1;
}

int sync_recv(int fd, int want, int *value, const char *what, struct err *e)
{
    struct sync_msg m;
    ssize_t n;
    do
        n = recv(fd, &m, sizeof m, 0);
    while (n < 0 && errno == EINTR);
    /* A peer that exits with a message of ours unread resets the pair,
     * and a SEQPACKET socket reports the reset before the messages the
     * peer sent first: its SYNC_ERROR may still be there to read. */
    if (n < 0 && errno == ECONNRESET && peer_said_why(fd, e))
        return -1;
    if (n != sizeof m)
        return err_set(e, n < 0 ? errno : 0,
                       "container exited before %s", what);
    if (m.type == SYNC_ERROR) {
        m.text[sizeof m.text - 1] = 0;
        return err_set(e, m.errnum, "%s", m.text);
    }
    if (m.type != want)
        return err_set(e, 0, "container setup: unexpected message %d while "
                       "waiting for %s", m.type, what);
    if (value)
        *value = m.value;
    return 0;
}
