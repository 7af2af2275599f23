/* The control API's client, for the CLI verbs: one request over the unix
 * socket, the whole answer back. */
#ifndef CELLA_VM_API_CLIENT_H
#define CELLA_VM_API_CLIENT_H

#include "vm/api/response.h"

struct err;

/* Send method url with body (JSON, or NULL for none) to the API at path;
 * on 0, *r is the answer, its body in *buf (free it). -1 with e filled
 * ("--api PATH: ...") when nothing listens or the answer is not one
 * within timeout_s seconds (0: however long it takes). */
int api_call(const char *path, const char *method, const char *url,
             const char *body, unsigned timeout_s, struct http_response *r,
             char **buf, struct err *e);

#endif
