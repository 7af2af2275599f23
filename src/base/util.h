/* Small helpers shared by every part: size parsing, whole-file reading,
 * mkdir -p, executable memfds. */
#ifndef CELLA_BASE_UTIL_H
#define CELLA_BASE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct err;

/* Parse "256M", "2G", "1048576" (bytes; K/M/G/T suffixes, binary units).
 * Returns 0 and *out on success; -1 with e filled on bad syntax or overflow. */
int parse_size(const char *s, uint64_t *out, struct err *e);

/* Parse a decimal integer in [min, max]; what names the value in the error. */
int parse_int(const char *s, long min, long max, long *out, const char *what,
              struct err *e);

/* Read a whole file (to its end, /proc files too) into a malloc'd buffer,
 * NUL-terminated past *len. */
int read_file(const char *path, uint8_t **data, size_t *len, struct err *e);

/* mkdir -p: every missing directory of the absolute path made with mode;
 * existing ones are left as they are. Returns 0, or -1 with errno set and
 * the directory that failed in failed (size PATH_MAX). */
int mkdir_parents(const char *path, mode_t mode, char *failed);

/* memfd_create(name, flags) of a file that may be mapped or run
 * executable, also where the kernel makes memfds non-executable by
 * default (vm.memfd_noexec): MFD_EXEC is asked for, and left out on
 * kernels older than 6.3, which reject it. */
int memfd_exec(const char *name, unsigned flags);

/* Write, or send on a socket without SIGPIPE, all n bytes of p, going on
 * after short writes and EINTR. 0, or -1 with errno set. */
int write_all(int fd, const void *p, size_t n);
int send_all(int fd, const void *p, size_t n);

/* Whether the n bytes at p are all zero. */
bool all_zero(const void *p, size_t n);

/* Monotonic time in nanoseconds. */
uint64_t now_ns(void);

#endif
