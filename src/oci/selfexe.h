/* The runtime runs from a sealed memfd copy of its own binary, so a
 * process in a container can never open and overwrite the host's cella
 * through /proc/<pid>/exe. */
#ifndef CELLA_OCI_SELFEXE_H
#define CELLA_OCI_SELFEXE_H

struct err;

/* When /proc/self/exe is not already a sealed memfd: copy it into one,
 * seal it (F_SEAL_SEAL|SHRINK|GROW|WRITE) and fexecve it with the same
 * argv and environment. Returns 0 when already sealed; on failure -1. */
int selfexe_ensure(char **argv, struct err *e);

/* Add those seals to the memfd fd, calling again (a bounded number of
 * times) while the kernel answers EBUSY for pages still referenced
 * elsewhere. 0, or -1 with errno. */
int selfexe_seal(int fd);

#endif
