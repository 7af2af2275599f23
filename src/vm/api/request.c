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
    {"/machine/snapshot", "PUT", API_SNAPSHOT},
    {"/machine/migrate", "PUT", API_MIGRATE},
    {"/machine/migrate/cancel", "PUT", API_MIGRATE_CANCEL},
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

/* A member that must be a boolean, if present. */
static bool flag(json_object *o, const char *key, bool *out)
{
    json_object *v;
    *out = false;
    if (!json_object_object_get_ex(o, key, &v))
        return true;
    if (!json_object_is_type(v, json_type_boolean))
        return false;
    *out = json_object_get_boolean(v);
    return true;
}

/* Why the snapshot arguments in o are refused, or NULL: arg, a struct
 * api_snapshot, is filled. */
static const char *snapshot_members(json_object *o, void *arg)
{
    struct api_snapshot *a = arg;
    json_object *path;
    if (!json_object_object_get_ex(o, "path", &path) ||
        !json_object_is_type(path, json_type_string))
        return "snapshot needs {\"path\": DIR}";
    size_t n = (size_t)json_object_get_string_len(path);
    const char *p = json_object_get_string(path);
    if (n == 0 || n >= sizeof a->path || memchr(p, 0, n))
        return "snapshot: path is empty, too long or holds a NUL";
    if (!flag(o, "stop", &a->stop) || !flag(o, "force", &a->force))
        return "snapshot: stop and force are true or false";
    json_object_object_foreach(o, key, val) {
        (void)val;
        if (strcmp(key, "path") && strcmp(key, "stop") && strcmp(key, "force"))
            return "snapshot: unknown member (path, stop, force)";
    }
    memcpy(a->path, p, n + 1);
    return NULL;
}

/* Why the migration arguments in o are refused, or NULL: arg, a struct
 * api_migrate, is filled. */
static const char *migrate_members(json_object *o, void *arg)
{
    struct api_migrate *a = arg;
    json_object *uri, *down, *bw;
    if (!json_object_object_get_ex(o, "uri", &uri) ||
        !json_object_is_type(uri, json_type_string))
        return "migrate needs {\"uri\": \"tcp:HOST:PORT\"}";
    size_t n = (size_t)json_object_get_string_len(uri);
    const char *u = json_object_get_string(uri);
    if (n == 0 || n >= sizeof a->uri || memchr(u, 0, n))
        return "migrate: uri is empty, too long or holds a NUL";
    a->downtime_ms = API_DOWNTIME_MS;
    if (json_object_object_get_ex(o, "downtime_ms", &down)) {
        int64_t d = json_object_get_int64(down);
        if (!json_object_is_type(down, json_type_int) || d < 1 ||
            d > API_DOWNTIME_MAX)
            return "migrate: downtime_ms is an integer from 1 to 60000";
        a->downtime_ms = (unsigned)d;
    }
    if (json_object_object_get_ex(o, "max_bandwidth", &bw)) {
        int64_t b = json_object_get_int64(bw);
        if (!json_object_is_type(bw, json_type_int) ||
            (b != 0 && b < API_MIN_BANDWIDTH))
            return "migrate: max_bandwidth is bytes per second: 0 (no "
                   "limit) or at least 1048576";
        a->max_bandwidth = (uint64_t)b;
    }
    json_object_object_foreach(o, key, val) {
        (void)val;
        if (strcmp(key, "uri") && strcmp(key, "downtime_ms") &&
            strcmp(key, "max_bandwidth"))
            return "migrate: unknown member (uri, downtime_ms, "
                   "max_bandwidth)";
    }
    memcpy(a->uri, u, n + 1);
    return NULL;
}

/* The body as a JSON object handed to members: 0, or the HTTP status
 * with *why set (missing says why when there is no object). */
static int members(const char *body, size_t len, const char *missing,
                   const char *(*check)(json_object *, void *), void *a,
                   const char **why)
{
    *why = missing;
    if (len == 0 || len > API_MAX_BODY)
        return 400;
    struct json_tokener *tok = json_tokener_new();
    if (!tok) {
        *why = "out of memory";
        return 500;
    }
    json_object *o = json_tokener_parse_ex(tok, body, (int)len);
    json_tokener_free(tok);
    if (o && json_object_is_type(o, json_type_object))
        *why = check(o, a);
    json_object_put(o);
    return *why ? 400 : 0;
}

int api_snapshot_args(const char *body, size_t len, struct api_snapshot *a,
                      const char **why)
{
    *a = (struct api_snapshot){0};
    return members(body, len, "snapshot needs {\"path\": DIR}",
                   snapshot_members, a, why);
}

int api_migrate_args(const char *body, size_t len, struct api_migrate *a,
                     const char **why)
{
    *a = (struct api_migrate){0};
    return members(body, len, "migrate needs {\"uri\": \"tcp:HOST:PORT\"}",
                   migrate_members, a, why);
}
