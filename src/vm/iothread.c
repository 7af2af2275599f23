/* The I/O thread's poll loop: fixed descriptors with a handler each, and
 * sources that rebuild their descriptors before every poll. */
#include "vm/iothread.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/err.h"

#define IO_MAX_FDS 32
#define IO_MAX_SOURCES 8
#define IO_MAX_POLL 256

struct io_poll {
    struct pollfd fds[IO_MAX_POLL];
    int n;
};

struct io_fd {
    int fd;
    io_fd_fn *fn;
    void *opaque;
};

struct iothread {
    pthread_t thread;
    bool running;
    int stop_fd;                /* eventfd: iothread_free ends the loop */
    struct io_fd fds[IO_MAX_FDS];
    int nfds;
    struct io_source sources[IO_MAX_SOURCES];
    int nsources;
    struct io_poll poll;
};

int io_poll_add(struct io_poll *p, int fd, short events)
{
    if (p->n >= IO_MAX_POLL)
        return -1;
    p->fds[p->n] = (struct pollfd){ .fd = fd, .events = events };
    return p->n++;
}

short io_poll_revents(const struct io_poll *p, int idx)
{
    return idx >= 0 && idx < p->n ? p->fds[idx].revents : 0;
}

static void *loop(void *arg)
{
    struct iothread *io = arg;
    struct io_poll *p = &io->poll;
    for (;;) {
        p->n = 0;
        io_poll_add(p, io->stop_fd, POLLIN);
        for (int i = 0; i < io->nfds; i++)
            io_poll_add(p, io->fds[i].fd, POLLIN);
        int timeout = -1;
        for (int i = 0; i < io->nsources; i++)
            io->sources[i].prepare(io->sources[i].opaque, p, &timeout);
        if (poll(p->fds, (nfds_t)p->n, timeout) < 0 && errno != EINTR)
            return NULL;
        if (p->fds[0].revents)
            return NULL;
        for (int i = 0; i < io->nfds; i++)
            if (p->fds[1 + i].revents)
                io->fds[i].fn(io->fds[i].opaque);
        for (int i = 0; i < io->nsources; i++)
            io->sources[i].dispatch(io->sources[i].opaque, p);
    }
}

struct iothread *iothread_new(struct err *e)
{
    struct iothread *io = calloc(1, sizeof *io);
    if (!io) {
        err_set(e, ENOMEM, "cannot allocate the I/O thread");
        return NULL;
    }
    io->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (io->stop_fd < 0) {
        err_set(e, errno, "cannot create an eventfd");
        free(io);
        return NULL;
    }
    return io;
}

void iothread_free(struct iothread *io)
{
    if (!io)
        return;
    if (io->running) {
        uint64_t one = 1;
        if (write(io->stop_fd, &one, sizeof one) < 0)
            abort();    /* an eventfd write of 1 cannot fail */
        pthread_join(io->thread, NULL);
    }
    close(io->stop_fd);
    free(io);
}

int iothread_add_fd(struct iothread *io, int fd, io_fd_fn *fn, void *opaque,
                    struct err *e)
{
    if (io->nfds >= IO_MAX_FDS)
        return err_set(e, 0, "too many descriptors for the I/O thread");
    io->fds[io->nfds++] = (struct io_fd){ fd, fn, opaque };
    return 0;
}

int iothread_add_source(struct iothread *io, const struct io_source *s,
                        struct err *e)
{
    if (io->nsources >= IO_MAX_SOURCES)
        return err_set(e, 0, "too many sources for the I/O thread");
    io->sources[io->nsources++] = *s;
    return 0;
}

int iothread_start(struct iothread *io, struct err *e)
{
    int r = pthread_create(&io->thread, NULL, loop, io);
    if (r)
        return err_set(e, r, "cannot start the I/O thread");
    io->running = true;
    return 0;
}
