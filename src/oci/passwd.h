/* Reading a container's /etc/passwd without NSS: glibc's getpwuid would
 * load the container's own NSS modules into the runtime. */
#ifndef CELLA_OCI_PASSWD_H
#define CELLA_OCI_PASSWD_H

#include <stddef.h>
#include <sys/types.h>

/* The home directory of the first entry for uid in the passwd file at
 * path, copied into home (size len). Returns 0, or -1 when the file cannot
 * be read (not a regular file, missing), has no entry for uid, or the
 * entry's home is empty or too long. */
int passwd_home(const char *path, uid_t uid, char *home, size_t len);

#endif
