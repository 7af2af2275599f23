/* The error type: filling and printing. */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *e, int errnum, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->errnum = errnum;
    return -1;
}

int err_prefix(struct err *e, const char *fmt, ...)
{
    if (!e)
        return -1;
    char msg[sizeof e->msg];
    memcpy(msg, e->msg, sizeof msg);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    /* The prefix, ": ", then as much of the message as fits. */
    size_t at = n < 0 ? 0 : (size_t)n < sizeof e->msg ? (size_t)n
                                                      : sizeof e->msg - 1;
    const char *parts[2] = {": ", msg};
    for (unsigned i = 0; i < 2; i++) {
        size_t len = strlen(parts[i]);
        if (len > sizeof e->msg - 1 - at)
            len = sizeof e->msg - 1 - at;
        memcpy(e->msg + at, parts[i], len);
        at += len;
    }
    e->msg[at] = 0;
    return -1;
}

void err_format(const struct err *e, char *buf, size_t size)
{
    if (e->errnum)
        snprintf(buf, size, "%s: %s", e->msg, strerror(e->errnum));
    else
        snprintf(buf, size, "%s", e->msg);
}

void err_print(const struct err *e)
{
    char buf[sizeof e->msg + 128];
    err_format(e, buf, sizeof buf);
    fprintf(stderr, "cella: %s\n", buf);
}
