/* Loading the parsed seccomp filter into the calling thread, handing the
 * SCMP_ACT_NOTIFY listener fd to listenerPath, and freeing the filter. */
#include "oci/seccomp/seccomp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/err.h"
#include "base/util.h"
#include "oci/seccomp/filter.h"
#include "oci/state.h"

/* The kernel loads a filter only for a thread with no_new_privs set or
 * with CAP_SYS_ADMIN in its effective set. process_exec loads it while the
 * runtime still holds CAP_SYS_ADMIN whenever the spec leaves
 * no_new_privs off; a thread that has neither (a runtime started without
 * CAP_SYS_ADMIN) gets no_new_privs here, as users of OCI runtimes expect
 * the filter to be in force either way. */
static int allow_filter_load(struct err *e)
{
    int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    if (nnp < 0)
        return err_set(e, errno, "read no_new_privs");
    if (nnp == 1)
        return 0;
    cap_t cur = cap_get_proc();
    if (!cur)
        return err_set(e, errno, "read the process's capabilities");
    cap_flag_value_t admin = CAP_CLEAR;
    int rc = cap_get_flag(cur, CAP_SYS_ADMIN, CAP_EFFECTIVE, &admin);
    cap_free(cur);
    if (rc < 0)
        return err_set(e, errno, "read the process's capabilities");
    if (admin == CAP_SET)
        return 0;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return err_set(e, errno, "set no_new_privs for the seccomp filter");
    return 0;
}

/* The socket to listenerPath, once. */
static int connect_listener(struct oci_seccomp *s, struct err *e)
{
    if (!s->notify || s->listener_fd >= 0)
        return 0;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(s->listener_path) >= sizeof addr.sun_path)
        return err_set(e, ENAMETOOLONG, "seccomp listener %s",
                       s->listener_path);
    strcpy(addr.sun_path, s->listener_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return err_set(e, errno, "seccomp listener socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int saved = errno;
        close(fd);
        return err_set(e, saved, "connect to seccomp listener %s",
                       s->listener_path);
    }
    s->listener_fd = fd;
    return 0;
}

int seccomp_listener_connect(struct oci_seccomp *s, const struct oci_state *st,
                             enum oci_status status, struct err *e)
{
    if (!s->notify || s->listener_fd >= 0)
        return 0;
    s->state_pid = st->pid;
    free(s->state);
    s->state = state_json(st, status);
    if (!s->state)
        return err_set(e, ENOMEM, "seccomp listener state");
    return connect_listener(s, e);
}

/* The runtime spec's container process state: ociVersion, fds (the
 * names of the descriptors sent along), pid, metadata and state. */
static char *process_state(const struct oci_seccomp *s)
{
    json_object *o = json_object_new_object();
    json_object *fds = json_object_new_array();
    json_object_array_add(fds, json_object_new_string("seccompFd"));
    json_object_object_add(o, "ociVersion", json_object_new_string("1.0.2"));
    json_object_object_add(o, "fds", fds);
    json_object_object_add(o, "pid", json_object_new_int(s->state_pid));
    json_object_object_add(o, "metadata", json_object_new_string(
        s->listener_metadata ? s->listener_metadata : ""));
    json_object *state = s->state ? json_tokener_parse(s->state) : NULL;
    json_object_object_add(o, "state", state ? state : json_object_new_object());
    char *text = strdup(json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return text;
}

/* The notify fd goes over the socket as SCM_RIGHTS with the container
 * process state as the bytes, one message on the connection. */
static int send_notify_fd(struct oci_seccomp *s, struct err *e)
{
    int nfd = seccomp_notify_fd(s->ctx);
    if (nfd < 0)
        return err_set(e, -nfd, "seccomp notify fd");
    char *text = process_state(s);
    if (!text) {
        close(nfd);
        return err_set(e, ENOMEM, "seccomp listener state");
    }
    struct iovec iov = {.iov_base = text, .iov_len = strlen(text)};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control.buf, .msg_controllen = sizeof control.buf,
    };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &nfd, sizeof nfd);
    ssize_t n;
    do
        n = sendmsg(s->listener_fd, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n > 0 &&
        send_all(s->listener_fd, text + n, iov.iov_len - (size_t)n) < 0)
        n = -1;
    int saved = errno;
    free(text);
    close(nfd);
    close(s->listener_fd);
    s->listener_fd = -1;
    if (n < 0)
        return err_set(e, saved, "send the seccomp notify fd to %s",
                       s->listener_path);
    return 0;
}

int seccomp_apply(struct oci_seccomp *s, struct err *e)
{
    if (connect_listener(s, e) < 0 ||
        allow_filter_load(e) < 0)
        return -1;
    int rc = seccomp_load(s->ctx);
    if (rc < 0)
        return err_set(e, -rc, "load the seccomp filter");
    return s->notify ? send_notify_fd(s, e) : 0;
}

void seccomp_free(struct oci_seccomp *s)
{
    if (!s)
        return;
    if (s->ctx)
        seccomp_release(s->ctx);
    if (s->listener_fd >= 0)
        close(s->listener_fd);
    free(s->listener_path);
    free(s->listener_metadata);
    free(s->state);
    free(s);
}
