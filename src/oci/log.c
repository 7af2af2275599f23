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

void log_timestamp(char *out, size_t size)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, size - n, ".%09ldZ", ts.tv_nsec);
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
        fprintf(stderr, "cella: %s\n", msg);
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
