/* The control API's routes, and what a request body may be. */
#include "vm/api/request.h"

#include <json.h>
#include <stdbool.h>
#include <string.h>

static const struct route {
    const char *path, *method;
    enum api_op op;
} routes[] = {
    {"/machine", "GET", API_STATUS},
    {"/machine/pause", "PUT", API_PAUSE},
    {"/machine/resume", "PUT", API_RESUME},
    {"/machine/stop", "PUT", API_STOP},
};

int api_route(const char *method, const char *url, enum api_op *op,
              const char **why)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(url, routes[i].path))
            continue;
        if (strcmp(method, routes[i].method)) {
            *why = !strcmp(routes[i].method, "GET")
                       ? "method not allowed (use GET)"
                       : "method not allowed (use PUT)";
            return 405;
        }
        *op = routes[i].op;
        return 0;
    }
    *why = "no such path";
    return 404;
}

int api_check_body(const char *body, size_t len, const char **why)
{
    if (len > API_MAX_BODY) {
        *why = "request body too large";
        return 413;
    }
    if (len == 0)
        return 0;
    struct json_tokener *tok = json_tokener_new();
    if (!tok) {
        *why = "out of memory";
        return 500;
    }
    json_object *o = json_tokener_parse_ex(tok, body, (int)len);
    size_t end = o ? json_tokener_get_parse_end(tok) : 0;
    json_tokener_free(tok);
    while (end < len && body[end] && strchr(" \t\r\n", body[end]))
        end++;
    bool whole = o && end == len;
    bool object = whole && json_object_is_type(o, json_type_object);
    json_object_put(o);
    if (!object) {
        *why = whole ? "request body is not a JSON object"
                     : "request body is not JSON";
        return 400;
    }
    return 0;
}
