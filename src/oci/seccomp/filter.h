/* What seccomp_parse builds and seccomp_apply loads: shared by the two
 * halves of the seccomp module only. */
#ifndef CELLA_OCI_SECCOMP_FILTER_H
#define CELLA_OCI_SECCOMP_FILTER_H

#include <stdbool.h>
#include <sys/types.h>

#include <seccomp.h>

struct oci_seccomp {
    scmp_filter_ctx ctx;
    bool notify;                 /* some rule is SCMP_ACT_NOTIFY */
    char *listener_path;         /* NULL when absent */
    char *listener_metadata;     /* NULL when absent */
    int listener_fd;             /* connected socket, or -1 */
    pid_t state_pid;             /* the container's, as the runtime sees it */
    char *state;                 /* its state object (JSON); NULL: not set */
};

#endif
