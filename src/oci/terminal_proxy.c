/* A foreground `run -t`: copying between our stdio and the container's pty
 * master, our terminal (when stdin is one) in raw mode and its window size
 * followed, until the container's side of the pty is closed. */
#include "oci/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "base/err.h"

struct proxy {
    int master;
    int sigfd;            /* SIGWINCH, -1 when stdin is no terminal */
    bool stdin_open;      /* until stdin reads EOF */
    char in[4096];        /* read from stdin, not yet written to master */
    size_t in_off, in_len;
    char out[16384];
};

static void copy_winsize(int master)
{
    struct winsize ws;
    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
        ioctl(master, TIOCSWINSZ, &ws);
}

/* Write all of buf to fd, waiting for room when fd is non-blocking. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = { .fd = fd, .events = POLLOUT };
            poll(&p, 1, -1);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Master to stdout. 1: go on; 0: the container's side is closed. */
static int pump_output(struct proxy *p, struct err *e)
{
    ssize_t n = read(p->master, p->out, sizeof p->out);
    if (n == 0 || (n < 0 && errno == EIO))
        return 0;
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 1;
    if (n < 0)
        return err_set(e, errno, "terminal: reading the pty");
    if (write_all(STDOUT_FILENO, p->out, (size_t)n) < 0)
        return err_set(e, errno, "terminal: writing stdout");
    return 1;
}

static void pump_input_read(struct proxy *p)
{
    ssize_t n = read(STDIN_FILENO, p->in, sizeof p->in);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        p->stdin_open = false;
        return;
    }
    p->in_off = 0;
    p->in_len = (size_t)n;
}

/* Stdin's bytes to the master without blocking: a container that does
 * not read must not stop its output from being copied. */
static void pump_input_write(struct proxy *p)
{
    ssize_t n = write(p->master, p->in + p->in_off, p->in_len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n < 0) {
        p->in_len = 0;
        return;
    }
    p->in_off += (size_t)n;
    p->in_len -= (size_t)n;
}

static int proxy_loop(struct proxy *p, struct err *e)
{
    for (;;) {
        struct pollfd fds[3] = {
            { .fd = p->master, .events = POLLIN | (p->in_len ? POLLOUT : 0) },
            { .fd = p->stdin_open && !p->in_len ? STDIN_FILENO : -1,
              .events = POLLIN },
            { .fd = p->sigfd, .events = POLLIN },
        };
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return err_set(e, errno, "terminal: poll");
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            int r = pump_output(p, e);
            if (r <= 0)
                return r;
        }
        if (fds[0].revents & POLLOUT)
            pump_input_write(p);
        if (fds[1].revents)
            pump_input_read(p);
        if (fds[2].revents) {
            struct signalfd_siginfo si;
            while (read(p->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
                ;
            copy_winsize(p->master);
        }
    }
}

int terminal_proxy(int master, struct err *e)
{
    struct proxy p = { .master = master, .sigfd = -1, .stdin_open = true };
    int fl = fcntl(master, F_GETFL);
    if (fl < 0 || fcntl(master, F_SETFL, fl | O_NONBLOCK) < 0)
        return err_set(e, errno, "terminal: the pty master");

    struct termios saved;
    bool raw = false;
    sigset_t winch, oldmask;
    sigemptyset(&winch);
    sigaddset(&winch, SIGWINCH);
    if (isatty(STDIN_FILENO)) {
        sigprocmask(SIG_BLOCK, &winch, &oldmask);
        p.sigfd = signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
        if (p.sigfd < 0) {
            int en = errno;
            sigprocmask(SIG_SETMASK, &oldmask, NULL);
            return err_set(e, en, "terminal: signalfd");
        }
        copy_winsize(master);
        if (tcgetattr(STDIN_FILENO, &saved) == 0) {
            struct termios t = saved;
            cfmakeraw(&t);
            raw = tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0;
        }
    }

    int rc = proxy_loop(&p, e);

    if (raw)
        tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
    if (p.sigfd >= 0) {
        close(p.sigfd);
        sigprocmask(SIG_SETMASK, &oldmask, NULL);
    }
    return rc;
}
