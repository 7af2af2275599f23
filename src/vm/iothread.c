/* The I/O thread's poll loop: fixed descriptors with a handler each, and
 * sources that rebuild their descriptors before every poll; between two
 * rounds it parks while the machine is paused. */
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
    int ctl_fd;                 /* eventfd: look at stop and pause */
    pthread_mutex_t lock;       /* guards what follows */
    pthread_cond_t cond;        /* any of them changed */
    bool stop, pause;           /* asked for */
    bool parked, done;          /* the loop's answer */
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

/* Between rounds: park while a pause is asked for; true to end. */
static bool hold(struct iothread *io)
{
    pthread_mutex_lock(&io->lock);
    if (io->pause && !io->stop) {
        io->parked = true;
        pthread_cond_broadcast(&io->cond);
        while (io->pause && !io->stop)
            pthread_cond_wait(&io->cond, &io->lock);
        io->parked = false;
    }
    bool stop = io->stop;
    pthread_mutex_unlock(&io->lock);
    return stop;
}

/* A round finishes what it found ready, so a pause never cuts a request
 * in half; the control eventfd wakes the poll to look at hold(). */
static void loop(struct iothread *io)
{
    struct io_poll *p = &io->poll;
    while (!hold(io)) {
        p->n = 0;
        io_poll_add(p, io->ctl_fd, POLLIN);
        for (int i = 0; i < io->nfds; i++)
            io_poll_add(p, io->fds[i].fd, POLLIN);
        int timeout = -1;
        for (int i = 0; i < io->nsources; i++)
            io->sources[i].prepare(io->sources[i].opaque, p, &timeout);
        if (poll(p->fds, (nfds_t)p->n, timeout) < 0 && errno != EINTR)
            return;
        if (p->fds[0].revents) {
            uint64_t n;
            if (read(io->ctl_fd, &n, sizeof n) < 0 && errno != EAGAIN)
                return;
            continue;
        }
        for (int i = 0; i < io->nfds; i++)
            if (p->fds[1 + i].revents)
                io->fds[i].fn(io->fds[i].opaque);
        for (int i = 0; i < io->nsources; i++)
            io->sources[i].dispatch(io->sources[i].opaque, p);
    }
}

static void *thread(void *arg)
{
    struct iothread *io = arg;
    loop(io);
    pthread_mutex_lock(&io->lock);
    io->done = true;
    pthread_cond_broadcast(&io->cond);
    pthread_mutex_unlock(&io->lock);
    return NULL;
}

/* Set a request and wake the loop to look at it. */
static void ask(struct iothread *io, bool *flag, bool value)
{
    pthread_mutex_lock(&io->lock);
    *flag = value;
    pthread_cond_broadcast(&io->cond);
    pthread_mutex_unlock(&io->lock);
    uint64_t one = 1;
    if (write(io->ctl_fd, &one, sizeof one) < 0)
        abort();    /* an eventfd write of 1 cannot fail */
}

void iothread_pause(struct iothread *io)
{
    if (!io->running)
        return;
    ask(io, &io->pause, true);
    pthread_mutex_lock(&io->lock);
    while (!io->parked && !io->done)
        pthread_cond_wait(&io->cond, &io->lock);
    pthread_mutex_unlock(&io->lock);
}

void iothread_resume(struct iothread *io)
{
    ask(io, &io->pause, false);
}

struct iothread *iothread_new(struct err *e)
{
    struct iothread *io = calloc(1, sizeof *io);
    if (!io) {
        err_set(e, ENOMEM, "cannot allocate the I/O thread");
        return NULL;
    }
    io->ctl_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (io->ctl_fd < 0) {
        err_set(e, errno, "cannot create an eventfd");
        free(io);
        return NULL;
    }
    pthread_mutex_init(&io->lock, NULL);
    pthread_cond_init(&io->cond, NULL);
    return io;
}

void iothread_free(struct iothread *io)
{
    if (!io)
        return;
    if (io->running) {
        ask(io, &io->stop, true);
        pthread_join(io->thread, NULL);
    }
    close(io->ctl_fd);
    pthread_cond_destroy(&io->cond);
    pthread_mutex_destroy(&io->lock);
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
    int r = pthread_create(&io->thread, NULL, thread, io);
    if (r)
        return err_set(e, r, "cannot start the I/O thread");
    io->running = true;
    return 0;
}
