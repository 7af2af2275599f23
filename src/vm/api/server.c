/* The control API's server: the listening unix socket (made here, handed
 * to libmicrohttpd, which runs a thread per connection, so a migration's
 * request may wait for its end while others are answered), requests
 * gathered up to their size limit, routed (request.c) and answered in
 * JSON. One request at a time changes the machine (the server's lock);
 * the API never holds what a vCPU waits for: machine_pause waits for the
 * harts, never the other way round. */
#include "vm/api/server.h"

#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/err.h"
#include "base/usock.h"
#include "vm/api/machine_json.h"
#include "vm/api/mhd_lib.h"
#include "vm/api/request.h"
#include "vm/migrate/source.h"
#include "vm/snapshot/snapshot.h"

/* libmicrohttpd, loaded by the first api_start. */
static const struct mhd_lib *mhd;

struct api_server {
    struct machine *m;
    pthread_mutex_t lock;       /* one change to the machine at a time */
    struct MHD_Daemon *daemon;
    char path[sizeof ((struct sockaddr_un *)0)->sun_path];
};

/* One request across the handler's calls. */
struct request {
    char *body;
    size_t len;             /* bytes received; only the first
                             * API_MAX_BODY are kept */
    bool stop_after;        /* answered PUT /machine/stop, or a migration
                             * completed: stop once the answer is sent */
};

/* An answer: o (put here) as the body, with a newline for curl's user. */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
                             json_object *o)
{
    const char *json = o ? json_object_to_json_string_ext(
                               o, JSON_C_TO_STRING_PLAIN |
                                      JSON_C_TO_STRING_NOSLASHESCAPE)
                         : NULL;
    char *text = NULL;
    if (!json || asprintf(&text, "%s\n", json) < 0) {
        json_object_put(o);
        return MHD_NO;
    }
    json_object_put(o);
    struct MHD_Response *r = mhd->create_response_from_buffer(
        strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    mhd->add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "application/json");
    enum MHD_Result res = mhd->queue_response(c, status, r);
    mhd->destroy_response(r);
    return res;
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status,
                                   const char *why)
{
    json_object *o = json_object_new_object();
    if (o)
        json_object_object_add(o, "error", json_object_new_string(why));
    return reply(c, status, o);
}

static json_object *state_json(enum machine_state s)
{
    json_object *o = json_object_new_object();
    if (o)
        json_object_object_add(o, "state",
                               json_object_new_string(api_state_name(s)));
    return o;
}

/* Pause the machine (if it runs), save it to the body's path, then let
 * it go on as it was, or end it once the answer is sent. */
static enum MHD_Result snapshot(struct api_server *s,
                                struct MHD_Connection *c, struct request *r)
{
    struct api_snapshot a;
    const char *why;
    int status = api_snapshot_args(r->body, r->len, &a, &why);
    if (status)
        return reply_error(c, (unsigned)status, why);
    enum machine_state was = machine_state(s->m);
    if (was == MACHINE_STOPPED || machine_pause(s->m) != MACHINE_PAUSED)
        return reply_error(c, MHD_HTTP_CONFLICT, "the machine has stopped");
    struct err e = {0};
    int saved = snapshot_save(s->m, a.path, a.force, &e);
    enum machine_state now = MACHINE_STOPPED;
    if (saved == 0 && a.stop)
        r->stop_after = true;
    else
        now = was == MACHINE_RUNNING ? machine_resume(s->m) : MACHINE_PAUSED;
    if (saved < 0) {
        char msg[sizeof e.msg + 128];
        err_format(&e, msg, sizeof msg);
        unsigned code = e.errnum == EEXIST ? MHD_HTTP_CONFLICT
                                           : MHD_HTTP_INTERNAL_SERVER_ERROR;
        return reply_error(c, code, msg);
    }
    json_object *o = state_json(now);
    if (o)
        json_object_object_add(o, "path", json_object_new_string(a.path));
    return reply(c, MHD_HTTP_OK, o);
}

/* Start a migration and wait for its end: answer its progress then, and
 * end the machine once the answer is sent when it completed (the target
 * runs it now). */
static enum MHD_Result migrate(struct api_server *s, struct MHD_Connection *c,
                               struct request *r)
{
    struct api_migrate a;
    const char *why;
    int status = api_migrate_args(r->body, r->len, &a, &why);
    if (status)
        return reply_error(c, (unsigned)status, why);
    struct err e = {0};
    pthread_mutex_lock(&s->lock);
    int started = migration_start(s->m, a.uri, a.downtime_ms,
                                  a.max_bandwidth, &e);
    pthread_mutex_unlock(&s->lock);
    if (started < 0) {
        char msg[sizeof e.msg + 128];
        err_format(&e, msg, sizeof msg);
        return reply_error(c, e.errnum == EBUSY ? MHD_HTTP_CONFLICT
                                                : MHD_HTTP_BAD_REQUEST, msg);
    }
    struct migration_progress p;
    migration_wait(s->m, &p);
    if (p.status != MIGRATION_COMPLETED)
        return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, p.error);
    r->stop_after = true;
    return reply(c, MHD_HTTP_OK, api_migration_json(&p));
}

/* Resume, its disks taken back first if a migration let them go (and the
 * target did not take them). */
static enum MHD_Result resume(struct api_server *s, struct MHD_Connection *c)
{
    struct err e = {0};
    if (migration_reclaim(s->m, &e) < 0) {
        char msg[sizeof e.msg + 128];
        snprintf(msg, sizeof msg, "the machine must not run here: the "
                 "target of its migration may run it (%s)", e.msg);
        return reply_error(c, MHD_HTTP_CONFLICT, msg);
    }
    return reply(c, MHD_HTTP_OK, state_json(machine_resume(s->m)));
}

/* What changes the machine, one at a time: a migration in progress
 * refuses the others (it pauses and resumes the machine itself). */
static enum MHD_Result change(struct api_server *s, struct MHD_Connection *c,
                              struct request *r, enum api_op op)
{
    if (op == API_MIGRATE_CANCEL) {
        if (!migration_cancel(s->m))
            return reply_error(c, MHD_HTTP_CONFLICT,
                               "no migration to cancel");
        return reply(c, MHD_HTTP_OK, state_json(machine_state(s->m)));
    }
    if (op != API_STOP && migration_active(s->m))
        return reply_error(c, MHD_HTTP_CONFLICT,
                           "a migration is in progress");
    if (op != API_STOP && migration_moved(s->m))
        return reply_error(c, MHD_HTTP_CONFLICT,
                           "the machine has moved to its migration's target");
    switch (op) {
    case API_PAUSE:
        return reply(c, MHD_HTTP_OK, state_json(machine_pause(s->m)));
    case API_RESUME:
        return resume(s, c);
    case API_STOP:
        r->stop_after = true;
        return reply(c, MHD_HTTP_OK, state_json(MACHINE_STOPPED));
    default:
        return snapshot(s, c, r);
    }
}

static enum MHD_Result answer(struct api_server *s, struct MHD_Connection *c,
                              struct request *r, const char *method,
                              const char *url)
{
    enum api_op op;
    const char *why;
    int status = api_route(method, url, &op, &why);
    if (!status)
        status = api_check_body(r->body, r->len, &why);
    if (status)
        return reply_error(c, (unsigned)status, why);
    if (op == API_STATUS)
        return reply(c, MHD_HTTP_OK, api_machine_json(s->m));
    if (op == API_MIGRATE)
        return migrate(s, c, r);
    pthread_mutex_lock(&s->lock);
    enum MHD_Result res = change(s, c, r, op);
    pthread_mutex_unlock(&s->lock);
    return res;
}

/* libmicrohttpd calls this once with the headers, once per piece of the
 * body, then once more with none: the request is whole. A body declared
 * too large is refused at once. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *data,
                              size_t *size, void **state)
{
    (void)version;
    struct request *r = *state;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        *state = r;
        const char *cl = mhd->lookup_connection_value(
            c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > API_MAX_BODY)
            return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
                               "request body too large");
        return MHD_YES;
    }
    if (*size) {
        if (r->len + *size <= API_MAX_BODY) {
            char *b = realloc(r->body, r->len + *size);
            if (!b)
                return MHD_NO;
            memcpy(b + r->len, data, *size);
            r->body = b;
        }
        r->len = *size > SIZE_MAX - r->len ? SIZE_MAX : r->len + *size;
        *size = 0;
        return MHD_YES;
    }
    return answer(cls, c, r, method, url);
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
                      enum MHD_RequestTerminationCode why)
{
    (void)c;
    (void)why;
    struct api_server *s = cls;
    struct request *r = *state;
    if (!r)
        return;
    if (r->stop_after)
        machine_stop(s->m, EXIT_POWEROFF);
    free(r->body);
    free(r);
    *state = NULL;
}

struct api_server *api_start(struct machine *m, const char *path,
                             struct err *e)
{
    mhd = mhd_lib_load(e);
    if (!mhd)
        return NULL;
    struct api_server *s = calloc(1, sizeof *s);
    if (!s) {
        err_set(e, ENOMEM, "--api %s", path);
        return NULL;
    }
    int fd = usock_listen(path, 16, "--api ", e);
    if (fd < 0) {
        free(s);
        return NULL;
    }
    s->m = m;
    pthread_mutex_init(&s->lock, NULL);
    memcpy(s->path, path, strlen(path) + 1);
    s->daemon = mhd->start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
            MHD_USE_AUTO, 0, NULL, NULL, handle, s,
        MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_NOTIFY_COMPLETED, completed, s,
        MHD_OPTION_CONNECTION_LIMIT, 16u,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        MHD_OPTION_END);
    if (!s->daemon) {
        close(fd);
        unlink(path);
        pthread_mutex_destroy(&s->lock);
        free(s);
        err_set(e, 0, "--api %s: cannot start the HTTP server", path);
        return NULL;
    }
    return s;
}

void api_stop(struct api_server *s)
{
    if (!s)
        return;
    mhd->stop_daemon(s->daemon);     /* closes the listening socket */
    unlink(s->path);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
