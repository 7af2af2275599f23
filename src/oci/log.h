/* The runtime's log: errors (and with --debug, progress) to --log FILE as
 * text or one JSON object a line ({"level","msg","time"}), and errors to
 * stderr as "cella: ...". podman reads the log file when a command fails. */
#ifndef CELLA_OCI_LOG_H
#define CELLA_OCI_LOG_H

#include <stdbool.h>
#include <stddef.h>

struct err;

/* path NULL: stderr only. Returns -1 when the file cannot be opened. */
int log_open(const char *path, bool json, bool debug, struct err *e);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Now in RFC 3339 with nanoseconds, UTC ("2026-11-22T12:00:00.000000001Z"). */
void log_timestamp(char *out, size_t size);
/* The same for secs since the epoch: not gmtime_r or strftime, which make
 * glibc read the time zone file on every container start. */
void log_format_time(long long secs, long nsec, char *out, size_t size);

/* The one error of a failed command: stderr and the log file. */
void log_error(const struct err *e);

#endif
