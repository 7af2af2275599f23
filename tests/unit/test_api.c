/* Unit tests of the control API's pure pieces: the routes and the body
 * check of the server (request.c), and the client's reading of answers
 * (response.c), with every length it is given held to. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vm/api/request.h"
#include "vm/api/response.h"

static int route(const char *method, const char *url, enum api_op *op)
{
    const char *why = NULL;
    int st = api_route(method, url, op, &why);
    assert_true(st == 0 || why != NULL);
    return st;
}

static void test_routes(void **state)
{
    (void)state;
    enum api_op op;
    assert_int_equal(route("GET", "/machine", &op), 0);
    assert_int_equal(op, API_STATUS);
    assert_int_equal(route("PUT", "/machine/pause", &op), 0);
    assert_int_equal(op, API_PAUSE);
    assert_int_equal(route("PUT", "/machine/resume", &op), 0);
    assert_int_equal(op, API_RESUME);
    assert_int_equal(route("PUT", "/machine/stop", &op), 0);
    assert_int_equal(op, API_STOP);
    assert_int_equal(route("PUT", "/machine", &op), 405);
    assert_int_equal(route("GET", "/machine/stop", &op), 405);
    assert_int_equal(route("GET", "/machine/", &op), 404);
    assert_int_equal(route("GET", "/machines", &op), 404);
    assert_int_equal(route("PUT", "/machine/snapshot", &op), 0);
    assert_int_equal(op, API_SNAPSHOT);
    assert_int_equal(route("PUT", "/machine/migrate", &op), 0);
    assert_int_equal(op, API_MIGRATE);
    assert_int_equal(route("PUT", "/machine/migrate/cancel", &op), 0);
    assert_int_equal(op, API_MIGRATE_CANCEL);
    assert_int_equal(route("GET", "/machine/migrate", &op), 405);
    assert_int_equal(route("GET", "", &op), 404);
}

/* A migrate body's arguments: 0 with *a, or the status (and a why). */
static int mig(const char *s, struct api_migrate *a)
{
    const char *why = NULL;
    int st = api_migrate_args(s, strlen(s), a, &why);
    assert_true(st == 0 ? why == NULL : why != NULL);
    return st;
}

static void test_migrate_args(void **state)
{
    (void)state;
    struct api_migrate a;
    assert_int_equal(mig("{\"uri\": \"tcp:h:1\"}", &a), 0);
    assert_string_equal(a.uri, "tcp:h:1");
    assert_int_equal(a.downtime_ms, API_DOWNTIME_MS);
    assert_int_equal(mig("{\"uri\":\"unix:/s\",\"downtime_ms\":7}", &a), 0);
    assert_int_equal(a.downtime_ms, 7);
    assert_int_equal(mig("{\"uri\":\"u\",\"downtime_ms\":60000}", &a), 0);
    assert_int_equal(mig("", &a), 400);
    assert_int_equal(mig("{}", &a), 400);
    assert_int_equal(mig("{\"uri\": 3}", &a), 400);
    assert_int_equal(mig("{\"uri\": \"\"}", &a), 400);
    assert_int_equal(mig("{\"uri\": \"a\\u0000b\"}", &a), 400);
    assert_int_equal(mig("{\"uri\":\"u\",\"downtime_ms\":0}", &a), 400);
    assert_int_equal(mig("{\"uri\":\"u\",\"downtime_ms\":60001}", &a), 400);
    assert_int_equal(mig("{\"uri\":\"u\",\"downtime_ms\":1.5}", &a), 400);
    assert_int_equal(mig("{\"uri\":\"u\",\"downtime_ms\":\"5\"}", &a), 400);
    assert_int_equal(mig("{\"uri\":\"u\",\"other\":1}", &a), 400);
    assert_int_equal(mig("{\"uri\":\"u\",\"max_bandwidth\":0}", &a), 0);
    assert_int_equal(a.max_bandwidth, 0);
    assert_int_equal(mig("{\"uri\":\"u\",\"max_bandwidth\":1048576}", &a), 0);
    assert_int_equal(a.max_bandwidth, 1048576);
    assert_int_equal(mig("{\"uri\":\"u\",\"max_bandwidth\":1048575}", &a), 400);
    assert_int_equal(mig("{\"uri\":\"u\",\"max_bandwidth\":-1}", &a), 400);
    char longer[1024];
    snprintf(longer, sizeof longer, "{\"uri\": \"%0*d\"}", 600, 0);
    assert_int_equal(mig(longer, &a), 400);
}

/* A snapshot body's arguments: 0 with *a, or the status (and a why). */
static int snap(const char *s, struct api_snapshot *a)
{
    const char *why = NULL;
    int st = api_snapshot_args(s, strlen(s), a, &why);
    assert_true(st == 0 ? why == NULL : why != NULL);
    return st;
}

static void test_snapshot_args(void **state)
{
    (void)state;
    struct api_snapshot a;
    assert_int_equal(snap("{\"path\": \"/s/1\"}", &a), 0);
    assert_string_equal(a.path, "/s/1");
    assert_false(a.stop);
    assert_false(a.force);
    assert_int_equal(snap("{\"path\":\"d\",\"stop\":true,\"force\":true}",
                          &a), 0);
    assert_true(a.stop && a.force);
    assert_int_equal(snap("", &a), 400);
    assert_int_equal(snap("{}", &a), 400);
    assert_int_equal(snap("{\"path\": 3}", &a), 400);
    assert_int_equal(snap("{\"path\": \"\"}", &a), 400);
    assert_int_equal(snap("{\"path\": \"a\\u0000b\"}", &a), 400);
    assert_int_equal(snap("{\"path\": \"d\", \"stop\": 1}", &a), 400);
    assert_int_equal(snap("{\"path\": \"d\", \"force\": \"yes\"}", &a), 400);
    assert_int_equal(snap("{\"path\": \"d\", \"other\": true}", &a), 400);
    assert_int_equal(snap("[\"d\"]", &a), 400);
    char longer[PATH_MAX + 32];
    snprintf(longer, sizeof longer, "{\"path\": \"%0*d\"}", PATH_MAX, 0);
    assert_int_equal(snap(longer, &a), 400);
}

static int body(const char *s, size_t len)
{
    const char *why = NULL;
    int st = api_check_body(s, len, &why);
    assert_true(st == 0 || why != NULL);
    return st;
}

static void test_bodies(void **state)
{
    (void)state;
    assert_int_equal(body(NULL, 0), 0);
    assert_int_equal(body("{}", 2), 0);
    assert_int_equal(body(" {\"a\": [1, 2]}\r\n", 16), 0);
    assert_int_equal(body("{}x", 3), 400);
    assert_int_equal(body("{}{}", 4), 400);
    assert_int_equal(body("{", 1), 400);
    assert_int_equal(body("[]", 2), 400);
    assert_int_equal(body("12", 2), 400);
    assert_int_equal(body("{}\0", 3), 400);
    /* Only len bytes count: what follows is not read. */
    assert_int_equal(body("{}garbage", 2), 0);
    assert_int_equal(body("x", API_MAX_BODY + 1), 413);
    assert_int_equal(body("x", SIZE_MAX), 413);
}

static int parse(const char *s, struct http_response *r)
{
    const char *why = NULL;
    int ret = http_response_parse(s, strlen(s), r, &why);
    assert_true(ret == 0 || why != NULL);
    return ret;
}

static void test_answers(void **state)
{
    (void)state;
    struct http_response r;
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"
                           "abcdef", &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 3);
    assert_memory_equal(r.body, "abc", 3);
    assert_int_equal(parse("HTTP/1.0 404 Not Found\r\n\r\n{}", &r), 0);
    assert_int_equal(r.status, 404);
    assert_int_equal(r.body_len, 2);
    assert_int_equal(parse("HTTP/1.1 204\r\ncontent-length:\t0 \r\n\r\n",
                           &r), 0);
    assert_int_equal(r.body_len, 0);
}

static void test_bad_answers(void **state)
{
    (void)state;
    struct http_response r;
    assert_int_equal(parse("", &r), -1);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\n", &r), -1);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabc",
                           &r), -1);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                           "Content-Length: 1\r\n\r\na", &r), -1);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                           &r), -1);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nContent-Length: "
                           "99999999999999999999999\r\n\r\n", &r), -1);
    assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
                           "\r\n\r\n0\r\n\r\n", &r), -1);
    assert_int_equal(parse("HTTP/2 200 OK\r\n\r\n", &r), -1);
    assert_int_equal(parse("HTTP/1.1 20 OK\r\n\r\n", &r), -1);
    assert_int_equal(parse("HTTP/1.1 2000 OK\r\n\r\n", &r), -1);
    assert_int_equal(parse("HTTP/1.1 600 OK\r\n\r\n", &r), -1);
    assert_int_equal(parse("HTTP/1.1 2x0 OK\r\n\r\n", &r), -1);
    assert_int_equal(parse("HTTP/1.1\r\n\r\n", &r), -1);
}

/* Every prefix of a good answer is read within its length (ASan checks
 * the copies, each exactly as long as the prefix). */
static void test_prefixes(void **state)
{
    (void)state;
    static const char full[] =
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    for (size_t n = 0; n <= sizeof full - 1; n++) {
        char *p = malloc(n ? n : 1);
        assert_non_null(p);
        memcpy(p, full, n);
        struct http_response r;
        const char *why;
        int ret = http_response_parse(p, n, &r, &why);
        assert_int_equal(ret, n == sizeof full - 1 ? 0 : -1);
        free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_snapshot_args),
        cmocka_unit_test(test_migrate_args),
        cmocka_unit_test(test_bodies),
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_bad_answers),
        cmocka_unit_test(test_prefixes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
