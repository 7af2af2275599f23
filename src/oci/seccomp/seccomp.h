/* The seccomp filter from config.json (linux.seccomp), built and loaded
 * with libseccomp. */
#ifndef CELLA_OCI_SECCOMP_SECCOMP_H
#define CELLA_OCI_SECCOMP_SECCOMP_H

#include <json-c/json.h>

#include "oci/state.h"

struct err;
struct oci_seccomp;

/* Build the filter from a linux.seccomp object: defaultAction,
 * defaultErrnoRet, architectures, flags, syscalls (names, action, errnoRet,
 * args with all six operators), listenerPath/listenerMetadata for
 * SCMP_ACT_NOTIFY. Unknown actions, operators or architectures are
 * errors; syscall names this libseccomp does not know are skipped. */
int seccomp_parse(json_object *seccomp, struct oci_seccomp **out,
                  struct err *e);

/* Load the filter into the calling thread (the last step before execve).
 * With SCMP_ACT_NOTIFY rules, send the listener fd to listenerPath.
 * (Not seccomp_load: libseccomp has that name.) */
int seccomp_apply(struct oci_seccomp *s, struct err *e);

/* Connect to listenerPath now, while the path still names the host's
 * socket (before rootfs_enter or joining the mount namespace); a no-op
 * without SCMP_ACT_NOTIFY rules. Without this call seccomp_apply connects
 * from wherever it runs. The container process state the listener gets
 * with the notify fd holds st's pid (the container's init, as the runtime
 * sees it) and st's state object with status. */
int seccomp_listener_connect(struct oci_seccomp *s, const struct oci_state *st,
                             enum oci_status status, struct err *e);

/* NULL is fine. */
void seccomp_free(struct oci_seccomp *s);

#endif
