/* The console back end: stdin (a terminal in raw mode, or a pipe or file)
 * feeds the console device's input from an input thread that also reads
 * the Ctrl-A escapes; guest output goes to stdout in whole, serialized
 * writes. */
#include "vm/backend/term.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "base/err.h"

#define ESCAPE 0x01             /* Ctrl-A */
#define RETRY_MS 1              /* wait while the device's buffer is full */

struct term {
    struct vm_power power;
    term_input_fn *input;
    void *input_opaque;
    pthread_t thread;
    /* term_close closes the write end: the input thread sees the hang-up
     * and ends, even while it waits on stdin or on a full device. */
    int stop[2];
    bool raw;
    struct termios saved;
    pthread_mutex_t out_lock;
};

static bool stop_requested(struct term *t, int timeout_ms)
{
    struct pollfd p = { .fd = t->stop[0], .events = POLLIN };
    return poll(&p, 1, timeout_ms) > 0;
}

/* Hand bytes to the device, waiting while its buffer is full: the back
 * pressure that keeps scripted input from being dropped. False when the
 * console is closing. */
static bool feed(struct term *t, const uint8_t *buf, size_t len)
{
    while (len) {
        size_t n = t->input(t->input_opaque, buf, len);
        buf += n;
        len -= n;
        if (len && stop_requested(t, RETRY_MS))
            return false;
    }
    return true;
}

/* Escapes, on a terminal or not: Ctrl-A x ends the machine (as a power-off),
 * Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A with anything else is dropped.
 * End of input stops reading and leaves the guest running. */
static void *input_thread(void *arg)
{
    struct term *t = arg;
    bool escape = false;
    for (;;) {
        struct pollfd fds[2] = {
            { .fd = t->stop[0], .events = POLLIN },
            { .fd = STDIN_FILENO, .events = POLLIN },
        };
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return NULL;
        }
        if (fds[0].revents)
            return NULL;
        uint8_t in[256], out[256];
        ssize_t n = read(STDIN_FILENO, in, sizeof in);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return NULL;
        size_t len = 0;
        bool quit = false;
        for (ssize_t i = 0; i < n && !quit; i++) {
            uint8_t c = in[i];
            if (escape) {
                escape = false;
                if (c == 'x')
                    quit = true;
                else if (c == ESCAPE)
                    out[len++] = c;
            } else if (c == ESCAPE) {
                escape = true;
            } else {
                out[len++] = c;
            }
        }
        if (!feed(t, out, len))
            return NULL;
        if (quit) {
            vm_power_stop(&t->power, EXIT_POWEROFF);
            return NULL;
        }
    }
}

static void restore(struct term *t)
{
    if (t->raw)
        tcsetattr(STDIN_FILENO, TCSADRAIN, &t->saved);
}

/* Raw mode without exceptions: Ctrl-C and Ctrl-Z go to the guest, and
 * output is passed through untouched (the guest sends its own \r\n). */
static int set_raw(struct term *t, struct err *e)
{
    if (!isatty(STDIN_FILENO))
        return 0;
    if (tcgetattr(STDIN_FILENO, &t->saved) < 0)
        return err_set(e, errno, "cannot read the terminal settings");
    struct termios raw = t->saved;
    cfmakeraw(&raw);
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
        return err_set(e, errno, "cannot put the terminal in raw mode");
    t->raw = true;
    return 0;
}

struct term *term_open(struct vm_power power, term_input_fn *input,
                       void *opaque, struct err *e)
{
    struct term *t = calloc(1, sizeof *t);
    if (!t) {
        err_set(e, ENOMEM, "cannot open the console");
        return NULL;
    }
    t->power = power;
    t->input = input;
    t->input_opaque = opaque;
    pthread_mutex_init(&t->out_lock, NULL);
    if (pipe2(t->stop, O_CLOEXEC) < 0) {
        err_set(e, errno, "cannot open the console");
        goto fail;
    }
    if (set_raw(t, e) < 0)
        goto fail_pipe;
    int r = pthread_create(&t->thread, NULL, input_thread, t);
    if (r) {
        err_set(e, r, "cannot start the console input thread");
        restore(t);
        goto fail_pipe;
    }
    return t;

fail_pipe:
    close(t->stop[0]);
    close(t->stop[1]);
fail:
    pthread_mutex_destroy(&t->out_lock);
    free(t);
    return NULL;
}

void term_close(struct term *t)
{
    if (!t)
        return;
    close(t->stop[1]);
    pthread_join(t->thread, NULL);
    close(t->stop[0]);
    restore(t);
    pthread_mutex_destroy(&t->out_lock);
    free(t);
}

/* A stdout that is gone (closed, or an error other than a retry) drops the
 * rest of the output rather than stopping the guest. A segment that was
 * written in part is finished on its own, then writev goes on. */
void term_writev(struct term *t, const struct iovec *iov, unsigned n)
{
    pthread_mutex_lock(&t->out_lock);
    unsigned i = 0;
    size_t off = 0;         /* bytes of iov[i] already written */
    while (i < n) {
        if (off == iov[i].iov_len) {
            i++;
            off = 0;
            continue;
        }
        ssize_t w;
        if (off)
            w = write(STDOUT_FILENO, (const uint8_t *)iov[i].iov_base + off,
                      iov[i].iov_len - off);
        else
            w = writev(STDOUT_FILENO, iov + i,
                       n - i < IOV_MAX ? (int)(n - i) : IOV_MAX);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN) {
            struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };
            poll(&p, 1, -1);
            continue;
        }
        if (w <= 0)
            break;
        for (size_t left = (size_t)w; left; ) {
            size_t take = iov[i].iov_len - off;
            if (take > left)
                take = left;
            off += take;
            left -= take;
            if (off == iov[i].iov_len) {
                i++;
                off = 0;
            }
        }
    }
    pthread_mutex_unlock(&t->out_lock);
}

void term_write(void *term, const uint8_t *buf, size_t len)
{
    struct iovec v = { .iov_base = (void *)buf, .iov_len = len };
    term_writev(term, &v, 1);
}
