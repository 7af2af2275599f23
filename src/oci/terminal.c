/* The container's pty: connecting to the --console-socket, opening the pty
 * in the container and handing its master over the socket (SCM_RIGHTS),
 * and receiving that master on the runtime's side. */
#include "oci/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "base/err.h"

/* The payload sent with the master: the slave's name, as a console-socket
 * reader may print it. */
#define PTY_NAME_MAX 64

int console_socket_connect(const char *path, struct err *e)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path)
        return err_set(e, 0, "console socket %s: path too long", path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return err_set(e, errno, "console socket %s: socket", path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int en = errno;
        close(fd);
        return err_set(e, en, "console socket %s: connect", path);
    }
    return fd;
}

/* The slave of master, opened through the master itself so that it is the
 * peer even when /dev/pts is some other devpts instance; by name on kernels
 * without TIOCGPTPEER. */
static int open_slave(int master, const char *name)
{
    int fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 && (errno == EINVAL || errno == ENOTTY))
        fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    return fd;
}

static int send_fd(int sock, int fd, const char *payload)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct iovec iov = { .iov_base = (void *)payload,
                         .iov_len = strlen(payload) };
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = ctl.buf,
        .msg_controllen = sizeof ctl.buf,
    };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    ssize_t n;
    do
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -1 : 0;
}

/* Open a pty pair, unlocked and sized; the slave's name in name. */
static int open_pty(unsigned rows, unsigned cols, int *master, int *slave,
                    char name[PTY_NAME_MAX], struct err *e)
{
    int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0)
        return err_set(e, errno, "terminal: open /dev/ptmx");
    int unlock = 0;
    unsigned num;
    if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &num) < 0) {
        int en = errno;
        close(m);
        return err_set(e, en, "terminal: unlocking the pty");
    }
    snprintf(name, PTY_NAME_MAX, "/dev/pts/%u", num);
    if (rows || cols) {
        struct winsize ws = { .ws_row = rows, .ws_col = cols };
        if (ioctl(m, TIOCSWINSZ, &ws) < 0) {
            int en = errno;
            close(m);
            return err_set(e, en, "terminal: setting the window size");
        }
    }
    int s = open_slave(m, name);
    if (s < 0) {
        int en = errno;
        close(m);
        return err_set(e, en, "terminal: opening %s", name);
    }
    *master = m;
    *slave = s;
    return 0;
}

/* Make slave our controlling terminal, in a session of our own, and our
 * stdin, stdout and stderr. */
static int take_slave(int slave, const char *name, struct err *e)
{
    if (setsid() < 0 && getsid(0) != getpid())
        return err_set(e, errno, "terminal: setsid");
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        return err_set(e, errno, "terminal: making %s the controlling "
                       "terminal", name);
    for (int fd = 0; fd < 3; fd++) {
        int r = fd == slave ? fcntl(fd, F_SETFD, 0) : dup2(slave, fd);
        if (r < 0)
            return err_set(e, errno, "terminal: dup2 onto fd %d", fd);
    }
    return 0;
}

int terminal_setup(int sock, unsigned rows, unsigned cols, struct err *e)
{
    int master = -1, slave = -1;
    char name[PTY_NAME_MAX];
    if (open_pty(rows, cols, &master, &slave, name, e) < 0)
        return -1;
    int rc = 0;
    if (send_fd(sock, master, name) < 0)
        rc = err_set(e, errno, "terminal: sending the pty master");
    close(master);
    if (rc == 0)
        rc = take_slave(slave, name, e);
    if (slave > 2)
        close(slave);
    return rc;
}

int terminal_recv_master(int sock, struct err *e)
{
    char payload[PTY_NAME_MAX];
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(4 * sizeof(int))];
    } ctl;
    struct iovec iov = { .iov_base = payload, .iov_len = sizeof payload };
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = ctl.buf,
        .msg_controllen = sizeof ctl.buf,
    };
    ssize_t n;
    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return err_set(e, errno, "terminal: receiving the pty master");
    int master = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < nfd; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof fd, sizeof fd);
            if (master < 0)
                master = fd;
            else
                close(fd);
        }
    }
    if (master < 0)
        return err_set(e, 0, n == 0 ? "terminal: the container closed its "
                       "socket without sending a pty" : "terminal: a message "
                       "without a pty on the socket");
    return master;
}
