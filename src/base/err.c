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

void err_print(const struct err *e)
{
    if (e->errnum)
        fprintf(stderr, "cella: %s: %s\n", e->msg, strerror(e->errnum));
    else
        fprintf(stderr, "cella: %s\n", e->msg);
}
