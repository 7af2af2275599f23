/* libFuzzer target for what crosses the control API's socket: the
 * server's routing and body check (vm/api/request.c) and the client's
 * reading of answers (vm/api/response.c). Byte 0 chooses: even, the rest
 * is an answer for http_response_parse; odd, the rest is a method line, a
 * path line and a body for api_route and api_check_body. Besides
 * sanitizer reports, an answer read outside its bytes or a status out of
 * range, or a refusal without a reason or with another status, aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm/api/request.h"
#include "vm/api/response.h"

static void check(int ok)
{
    if (!ok)
        abort();
}

static void answer(const char *buf, size_t len)
{
    struct http_response r;
    const char *why = NULL;
    if (http_response_parse(buf, len, &r, &why) < 0) {
        check(why != NULL);
        return;
    }
    check(r.status >= 100 && r.status <= 599);
    check(r.body >= buf && r.body_len <= len - (size_t)(r.body - buf));
}

/* Up to the next newline (or the end), as a string of its own. */
static char *line(const char **p, const char *end)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *stop = nl ? nl : end;
    char *s = strndup(*p, (size_t)(stop - *p));
    *p = nl ? nl + 1 : end;
    return s;
}

static void request(const char *buf, size_t len)
{
    const char *p = buf, *end = buf + len;
    char *method = line(&p, end), *url = line(&p, end);
    if (!method || !url)
        abort();
    enum api_op op;
    const char *why = NULL;
    int st = api_route(method, url, &op, &why);
    check(st == 0 ? op <= API_SNAPSHOT : (st == 404 || st == 405) && why);
    why = NULL;
    st = api_check_body(p, (size_t)(end - p), &why);
    check(st == 0 || ((st == 400 || st == 413) && why));
    if (st == 0) {
        struct api_snapshot a;
        why = NULL;
        st = api_snapshot_args(p, (size_t)(end - p), &a, &why);
        check(st == 0 ? a.path[0] && strlen(a.path) < sizeof a.path
                      : st == 400 && why);
    }
    free(method);
    free(url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    /* An exact copy: ASan sees a read past the bytes given. */
    size_t len = size - 1;
    char *buf = malloc(len ? len : 1);
    if (!buf)
        abort();
    memcpy(buf, data + 1, len);
    if (data[0] & 1)
        request(buf, len);
    else
        answer(buf, len);
    free(buf);
    return 0;
}
