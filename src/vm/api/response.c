/* Reading the control API's answers: the status line, the one header the
 * client needs (Content-Length), the body. Every length is checked
 * against what was received. */
#include "vm/api/response.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#define CONTENT_LENGTH "content-length:"
#define TRANSFER_ENCODING "transfer-encoding:"

/* Whether the line [p, end) starts with name (a lower-case header name
 * with its colon), ignoring case. */
static bool header_is(const char *p, const char *end, const char *name)
{
    size_t n = strlen(name);
    return (size_t)(end - p) >= n && !strncasecmp(p, name, n);
}

/* Decimal digits in [p, end), spaces and tabs around them: 0 with *v. */
static int number(const char *p, const char *end, size_t *v)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (p == end)
        return -1;
    size_t n = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9' || n > (SIZE_MAX - 9) / 10)
            return -1;
        n = n * 10 + (size_t)(*p - '0');
    }
    *v = n;
    return 0;
}

int http_response_parse(const char *buf, size_t len,
                        struct http_response *r, const char **why)
{
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end) {
        *why = "the answer ends before its headers do";
        return -1;
    }
    const char *line_end = memmem(buf, (size_t)(end - buf) + 2, "\r\n", 2);
    if (line_end - buf < 12 || memcmp(buf, "HTTP/1.", 7) ||
        buf[8] != ' ' || (line_end - buf > 12 && buf[12] != ' ')) {
        *why = "the answer is not HTTP/1.x";
        return -1;
    }
    size_t status;
    if (number(buf + 9, buf + 12, &status) < 0 || status < 100 ||
        status > 599) {
        *why = "the answer's status is not a number from 100 to 599";
        return -1;
    }
    const char *body = end + 4;
    size_t left = len - (size_t)(body - buf), body_len = left;
    bool have_length = false;
    for (const char *p = line_end + 2; p < end + 2;) {
        const char *e = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
        if (header_is(p, e, TRANSFER_ENCODING)) {
            *why = "the answer's transfer encoding is not read here";
            return -1;
        }
        if (header_is(p, e, CONTENT_LENGTH)) {
            size_t n;
            if (have_length ||
                number(p + strlen(CONTENT_LENGTH), e, &n) < 0 || n > left) {
                *why = "the answer's Content-Length is wrong";
                return -1;
            }
            have_length = true;
            body_len = n;
        }
        p = e + 2;
    }
    r->status = (unsigned)status;
    r->body = body;
    r->body_len = body_len;
    return 0;
}
