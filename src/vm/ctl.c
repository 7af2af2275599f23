/* `cella vm status|pause|resume|stop|migrate-cancel --api PATH`, `cella
 * vm snapshot --api PATH DIR [--stop] [--force]` and `cella vm migrate
 * --api PATH URI [--downtime MS] [--max-bandwidth RATE]`: thin clients of a running machine's
 * control API. status prints GET /machine's JSON, migrate the migration's
 * at its end; the others print the state the machine is in after them. */
#include "vm/ctl.h"

#include <errno.h>
#include <getopt.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "vm/api/client.h"
#include "vm/devif.h"

/* A pause waits for every hart, briefly; a snapshot writes RAM out; a
 * migration lasts as long as the guest takes to converge. */
#define TIMEOUT_S 60

static const struct verb {
    const char *name, *method, *url;
    unsigned timeout_s;     /* 0: none */
} verbs[] = {
    {"status", "GET", "/machine", TIMEOUT_S},
    {"pause", "PUT", "/machine/pause", TIMEOUT_S},
    {"resume", "PUT", "/machine/resume", TIMEOUT_S},
    {"stop", "PUT", "/machine/stop", TIMEOUT_S},
    {"snapshot", "PUT", "/machine/snapshot", TIMEOUT_S},
    {"migrate", "PUT", "/machine/migrate", 0},
    {"migrate-cancel", "PUT", "/machine/migrate/cancel", TIMEOUT_S},
};

/* What the command line asked: the socket, a snapshot's arguments (dir:
 * its directory) or a migration's (dir: its URI). */
struct ctl_args {
    const char *api;
    const char *dir;
    bool stop, force;
    long downtime_ms;       /* 0: not given */
    uint64_t max_bandwidth; /* 0: not given */
};

static const struct verb *find(const char *name)
{
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (!strcmp(verbs[i].name, name))
            return &verbs[i];
    return NULL;
}

bool vm_ctl_is_verb(const char *name)
{
    return find(name) != NULL;
}

/* snapshot, migrate: the verb takes an argument (and its options). */
static int parse(int argc, char **argv, bool snapshot, bool migrate,
                 struct ctl_args *a, struct err *e)
{
    static const struct option opts[] = {
        {"api", required_argument, 0, 'A'},
        {"stop", no_argument, 0, 's'},
        {"force", no_argument, 0, 'f'},
        {"downtime", required_argument, 0, 'd'},
        {"max-bandwidth", required_argument, 0, 'b'},
        {0, 0, 0, 0},
    };
    *a = (struct ctl_args){0};
    opterr = 0;
    optind = 1;
    int o;
    while ((o = getopt_long(argc, argv, ":", opts, 0)) != -1) {
        if (o == 'A')
            a->api = optarg;
        else if (o == ':')
            return err_set(e, 0, "option '%s' needs a value",
                           argv[optind - 1]);
        else if ((o == 's' || o == 'f') && snapshot)
            *(o == 's' ? &a->stop : &a->force) = true;
        else if (o == 'd' && migrate) {
            if (parse_int(optarg, 1, 60000, &a->downtime_ms, "--downtime",
                          e) < 0)
                return -1;
        } else if (o == 'b' && migrate) {
            if (parse_size(optarg, &a->max_bandwidth, e) < 0)
                return -1;
        } else
            return err_set(e, 0, "unknown option '%s' (try 'cella vm "
                           "--help')", argv[optind - 1]);
    }
    if ((snapshot || migrate) && optind < argc)
        a->dir = argv[optind++];
    if (optind < argc)
        return err_set(e, 0, "unexpected argument '%s'", argv[optind]);
    if (!a->api)
        return err_set(e, 0, "%s: --api PATH is needed", argv[0]);
    if (snapshot && !a->dir)
        return err_set(e, 0, "snapshot: the snapshot's directory is needed");
    if (migrate && !a->dir)
        return err_set(e, 0, "migrate: the target's URI is needed "
                       "(tcp:HOST:PORT or unix:PATH)");
    return 0;
}

/* The body of a snapshot or migrate request, or NULL (out of memory). */
static char *request_body(const struct verb *v, const struct ctl_args *a)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    if (!strcmp(v->name, "migrate")) {
        json_object_object_add(o, "uri", json_object_new_string(a->dir));
        if (a->downtime_ms)
            json_object_object_add(o, "downtime_ms",
                                   json_object_new_int64(a->downtime_ms));
        if (a->max_bandwidth)
            json_object_object_add(o, "max_bandwidth",
                                   json_object_new_int64(
                                       (int64_t)a->max_bandwidth));
    } else {
        json_object_object_add(o, "path", json_object_new_string(a->dir));
        json_object_object_add(o, "stop", json_object_new_boolean(a->stop));
        json_object_object_add(o, "force",
                               json_object_new_boolean(a->force));
    }
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    char *body = s ? strdup(s) : NULL;
    json_object_put(o);
    return body;
}

/* A member of the answer's JSON object, as a string, or NULL. */
static char *member(const struct http_response *r, const char *key)
{
    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        return NULL;
    json_object *o = json_tokener_parse_ex(tok, r->body, (int)r->body_len);
    json_tokener_free(tok);
    json_object *v;
    char *s = NULL;
    if (json_object_object_get_ex(o, key, &v) &&
        json_object_is_type(v, json_type_string))
        s = strdup(json_object_get_string(v));
    json_object_put(o);
    return s;
}

/* 0 and the answer printed, or -1 with e filled. */
static int call(const struct verb *v, const struct ctl_args *a,
                struct err *e)
{
    const char *api = a->api;
    char *body = NULL;
    if (a->dir && !(body = request_body(v, a)))
        return err_set(e, ENOMEM, "--api %s", api);
    struct http_response r;
    char *buf;
    int called = api_call(api, v->method, v->url, body, v->timeout_s, &r,
                          &buf, e);
    free(body);
    if (called < 0)
        return -1;
    char *text = member(&r, r.status == 200 ? "state" : "error");
    int ret = 0;
    if (r.status != 200)
        ret = err_set(e, 0, "--api %s: %s", api,
                      text ? text : "the machine answered an error");
    else if (!strcmp(v->name, "status") || !strcmp(v->name, "migrate"))
        fwrite(r.body, 1, r.body_len, stdout);
    else if (text)
        printf("%s\n", text);
    else
        ret = err_set(e, 0, "--api %s: the answer names no state", api);
    free(text);
    free(buf);
    return ret;
}

int vm_ctl(int argc, char **argv)
{
    const struct verb *v = find(argv[0]);
    struct ctl_args a;
    struct err e = {0};
    bool snapshot = !strcmp(v->name, "snapshot");
    bool migrate = !strcmp(v->name, "migrate");
    if (parse(argc, argv, snapshot, migrate, &a, &e) < 0 ||
        call(v, &a, &e) < 0) {
        err_print(&e);
        return EXIT_ERROR;
    }
    return 0;
}
