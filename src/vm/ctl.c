/* `cella vm status|pause|resume|stop --api PATH` and `cella vm snapshot
 * --api PATH DIR [--stop] [--force]`: thin clients of a running machine's
 * control API. status prints GET /machine's JSON; the others print the
 * state the machine is in after them. */
#include "vm/ctl.h"

#include <errno.h>
#include <getopt.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "vm/api/client.h"
#include "vm/devif.h"

static const struct verb {
    const char *name, *method, *url;
} verbs[] = {
    {"status", "GET", "/machine"},
    {"pause", "PUT", "/machine/pause"},
    {"resume", "PUT", "/machine/resume"},
    {"stop", "PUT", "/machine/stop"},
    {"snapshot", "PUT", "/machine/snapshot"},
};

/* What the command line asked: the socket, and a snapshot's arguments. */
struct ctl_args {
    const char *api;
    const char *dir;
    bool stop, force;
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

static int parse(int argc, char **argv, bool snapshot, struct ctl_args *a,
                 struct err *e)
{
    static const struct option opts[] = {
        {"api", required_argument, 0, 'A'},
        {"stop", no_argument, 0, 's'},
        {"force", no_argument, 0, 'f'},
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
        else
            return err_set(e, 0, "unknown option '%s' (try 'cella vm "
                           "--help')", argv[optind - 1]);
    }
    if (snapshot && optind < argc)
        a->dir = argv[optind++];
    if (optind < argc)
        return err_set(e, 0, "unexpected argument '%s'", argv[optind]);
    if (!a->api)
        return err_set(e, 0, "%s: --api PATH is needed", argv[0]);
    if (snapshot && !a->dir)
        return err_set(e, 0, "snapshot: the snapshot's directory is needed");
    return 0;
}

/* The body of a snapshot request, or NULL (out of memory). */
static char *snapshot_body(const struct ctl_args *a)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "path", json_object_new_string(a->dir));
    json_object_object_add(o, "stop", json_object_new_boolean(a->stop));
    json_object_object_add(o, "force", json_object_new_boolean(a->force));
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
    if (a->dir && !(body = snapshot_body(a)))
        return err_set(e, ENOMEM, "--api %s", api);
    struct http_response r;
    char *buf;
    int called = api_call(api, v->method, v->url, body, &r, &buf, e);
    free(body);
    if (called < 0)
        return -1;
    char *text = member(&r, r.status == 200 ? "state" : "error");
    int ret = 0;
    if (r.status != 200)
        ret = err_set(e, 0, "--api %s: %s", api,
                      text ? text : "the machine answered an error");
    else if (!strcmp(v->name, "status"))
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
    if (parse(argc, argv, snapshot, &a, &e) < 0 || call(v, &a, &e) < 0) {
        err_print(&e);
        return EXIT_ERROR;
    }
    return 0;
}
