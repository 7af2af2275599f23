/* The runtime's log file and its two formats. */
#include "oci/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/err.h"

static int log_fd = -1;
static bool log_json, log_debug_on;

int log_open(const char *path, bool json, bool debug, struct err *e)
{
    log_json = json;
    log_debug_on = debug;
    if (!path)
        return 0;
    log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0)
        return err_set(e, errno, "log file %s", path);
    return 0;
}

/* The civil date of a day counted from 1970-01-01, in the proleptic
 * Gregorian calendar: 400-year eras of 146097 days, each year taken to
 * start on 1 March so that the leap day ends it. */
static void civil_date(long long days, int *y, int *m, int *d)
{
    days += 719468;  /* from 0000-03-01 */
    long long era = (days >= 0 ? days : days - 146096) / 146097;
    long long doe = days - era * 146097;                        /* 0..146096 */
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);    /* 0..365 */
    long long mp = (5 * doy + 2) / 153;                         /* 0 = March */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

void log_format_time(long long secs, long nsec, char *out, size_t size)
{
    long long days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int y, m, d;
    civil_date(days, &y, &m, &d);
    snprintf(out, size, "%04d-%02d-%02dT%02lld:%02lld:%02lld.%09ldZ", y, m, d,
             rem / 3600, rem / 60 % 60, rem % 60, nsec);
}

void log_timestamp(char *out, size_t size)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    log_format_time(ts.tv_sec, ts.tv_nsec, out, size);
}

static void emit(const char *level, const char *msg)
{
    if (log_fd < 0)
        return;
    char t[48], line[1400];
    log_timestamp(t, sizeof t);
    if (log_json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "level", json_object_new_string(level));
        json_object_object_add(o, "msg", json_object_new_string(msg));
        json_object_object_add(o, "time", json_object_new_string(t));
        snprintf(line, sizeof line, "%s\n",
                 json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
    } else {
        snprintf(line, sizeof line, "%s %s: %s\n", t, level, msg);
    }
    if (write(log_fd, line, strlen(line)) < 0)
        return;
}

static void vlog(const char *level, bool to_stderr, const char *fmt,
                 va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    emit(level, msg);
    if (to_stderr)
        fprintf(stderr, "cella: %s%s\n",
                !strcmp(level, "warning") ? "warning: " : "", msg);
}

void log_debug(const char *fmt, ...)
{
    if (!log_debug_on)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog("debug", log_fd < 0, fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("warning", true, fmt, ap);
    va_end(ap);
}

void log_error(const struct err *e)
{
    char msg[1024];
    if (e->errnum)
        snprintf(msg, sizeof msg, "%s: %s", e->msg, strerror(e->errnum));
    else
        snprintf(msg, sizeof msg, "%s", e->msg);
    emit("error", msg);
    fprintf(stderr, "cella: %s\n", msg);
}
