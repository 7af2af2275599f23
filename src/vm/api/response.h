/* An HTTP/1.1 response as the control API's client reads it: the status
 * and the body of a whole answer (read until the server closed). A pure
 * function of its bytes, for the unit tests and the fuzzer. */
#ifndef CELLA_VM_API_RESPONSE_H
#define CELLA_VM_API_RESPONSE_H

#include <stddef.h>

struct http_response {
    unsigned status;        /* 100-599 */
    const char *body;       /* into the buffer parsed; not terminated */
    size_t body_len;
};

/* Parse len bytes of buf: a status line "HTTP/1.x NNN ...", header lines
 * and a body of Content-Length bytes (or, without one, all that is
 * left). 0, or -1 with *why set to one line. */
int http_response_parse(const char *buf, size_t len,
                        struct http_response *r, const char **why);

#endif
