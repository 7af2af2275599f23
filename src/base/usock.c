/* A unix socket address from --api PATH, with the length checked. */
#include "vm/api/sock.h"

#include <string.h>
#include <sys/socket.h>

#include "base/err.h"

int api_sock_addr(const char *path, struct sockaddr_un *a, struct err *e)
{
    size_t n = strlen(path);
    if (n >= sizeof a->sun_path)
        return err_set(e, 0, "--api %s: path too long (at most %zu bytes)",
                       path, sizeof a->sun_path - 1);
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path, path, n + 1);
    return 0;
}
