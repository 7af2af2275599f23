/* The one error type: an errno and a message, filled by the function that
 * failed and printed once by the command line as "cella: <msg>: <why>". */
#ifndef CELLA_BASE_ERR_H
#define CELLA_BASE_ERR_H

struct err {
    int errnum;        /* 0 when the message says it all */
    char msg[512];
};

/* Fill e (when non-NULL) and return -1, so callers can `return err_set(...)`. */
int err_set(struct err *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#include <stddef.h>

/* Put "PREFIX: " (from fmt) before e's message, its errno kept; returns
 * -1. For a caller that knows what a failure was part of. */
int err_prefix(struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "msg[: strerror]" into buf (size bytes). */
void err_format(const struct err *e, char *buf, size_t size);

/* Print "cella: msg[: strerror]" on stderr. */
void err_print(const struct err *e);

#endif
