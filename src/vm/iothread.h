/* The I/O thread: one poll loop that runs the device back ends (virtqueue
 * work, disk files, sockets), so that no vCPU ever waits on host I/O.
 * Work reaches it three ways: a file descriptor becoming readable, a
 * source that adds its own descriptors before each poll (libslirp works
 * that way), and a kick from another thread. */
#ifndef CELLA_VM_IOTHREAD_H
#define CELLA_VM_IOTHREAD_H

#include <stdint.h>

struct err;
struct iothread;
struct io_poll;

/* Called on the I/O thread when fd is readable (or hung up). */
typedef void io_fd_fn(void *opaque);

/* A source rebuilds its descriptor set before every poll: prepare adds
 * them with io_poll_add (keeping the returned index) and may lower
 * *timeout_ms (-1 = no limit); dispatch then reads io_poll_revents. */
struct io_source {
    void (*prepare)(void *opaque, struct io_poll *p, int *timeout_ms);
    void (*dispatch)(void *opaque, struct io_poll *p);
    void *opaque;
};

struct iothread *iothread_new(struct err *e);
/* Stops the thread if it runs, then frees; NULL is fine. */
void iothread_free(struct iothread *io);

/* Register before iothread_start. Return 0, or -1 with e filled. */
int iothread_add_fd(struct iothread *io, int fd, io_fd_fn *fn, void *opaque,
                    struct err *e);
int iothread_add_source(struct iothread *io, const struct io_source *s,
                        struct err *e);

int iothread_start(struct iothread *io, struct err *e);

/* Pause: the loop finishes the round it is in (no request left half
 * done) and parks, serving no descriptor, until iothread_resume or
 * iothread_free; iothread_pause returns once it is parked (at once when
 * the thread is not running). From one controlling thread. */
void iothread_pause(struct iothread *io);
void iothread_resume(struct iothread *io);

/* Inside prepare: watch fd for events (POLLIN, POLLOUT...). Returns the
 * index to give io_poll_revents, or -1 when the set is full. */
int io_poll_add(struct io_poll *p, int fd, short events);
short io_poll_revents(const struct io_poll *p, int idx);

#endif
