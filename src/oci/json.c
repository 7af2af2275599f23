/* Typed reads from config.json with errors that name the field. */
#include "oci/json.h"

#include <errno.h>
#include <stdlib.h>

#include "base/err.h"

static int type_err(const char *where, const char *key, const char *want,
                    struct err *e)
{
    return err_set(e, 0, "config.json: %s%s%s: expected %s", where,
                   *where ? "." : "", key, want);
}

/* The member, or NULL when absent or null (an error when required). */
static int member(json_object *o, const char *where, const char *key,
                  bool required, json_object **m, struct err *e)
{
    *m = NULL;
    if (o && !json_object_object_get_ex(o, key, m))
        *m = NULL;
    if (!*m && required)
        return err_set(e, 0, "config.json: %s%s%s: missing", where,
                       *where ? "." : "", key);
    return 0;
}

static int get_typed(json_object *o, const char *where, const char *key,
                     bool required, json_type t, const char *want,
                     json_object **out, struct err *e)
{
    json_object *m;
    if (member(o, where, key, required, &m, e) < 0)
        return -1;
    if (!m)
        return 0;
    if (!json_object_is_type(m, t))
        return type_err(where, key, want, e);
    *out = m;
    return 0;
}

int jget_obj(json_object *o, const char *where, const char *key, bool required,
             json_object **out, struct err *e)
{
    return get_typed(o, where, key, required, json_type_object, "an object",
                     out, e);
}

int jget_arr(json_object *o, const char *where, const char *key, bool required,
             json_object **out, struct err *e)
{
    return get_typed(o, where, key, required, json_type_array, "an array",
                     out, e);
}

int jget_str(json_object *o, const char *where, const char *key, bool required,
             const char **out, struct err *e)
{
    json_object *m = NULL;
    if (get_typed(o, where, key, required, json_type_string, "a string", &m,
                  e) < 0)
        return -1;
    if (m)
        *out = json_object_get_string(m);
    return 0;
}

int jget_bool(json_object *o, const char *where, const char *key, bool *out,
              bool *present, struct err *e)
{
    json_object *m = NULL;
    if (get_typed(o, where, key, false, json_type_boolean, "true or false",
                  &m, e) < 0)
        return -1;
    if (m)
        *out = json_object_get_boolean(m);
    if (present)
        *present = m != NULL;
    return 0;
}

/* json-c keeps integers as int64 or uint64 and fractions as double. */
static int int_member(json_object *o, const char *where, const char *key,
                      json_object **m, struct err *e)
{
    if (member(o, where, key, false, m, e) < 0)
        return -1;
    if (*m && !json_object_is_type(*m, json_type_int))
        return type_err(where, key, "an integer", e);
    return 0;
}

int jget_int(json_object *o, const char *where, const char *key, int64_t min,
             int64_t max, int64_t *out, bool *present, struct err *e)
{
    json_object *m;
    if (int_member(o, where, key, &m, e) < 0)
        return -1;
    if (present)
        *present = m != NULL;
    if (!m)
        return 0;
    int64_t v = json_object_get_int64(m);
    if (v == INT64_MAX && json_object_get_uint64(m) > (uint64_t)INT64_MAX)
        return err_set(e, 0, "config.json: %s%s%s: %s out of range", where,
                       *where ? "." : "", key, json_object_get_string(m));
    if (v < min || v > max)
        return err_set(e, 0, "config.json: %s%s%s: %lld out of range", where,
                       *where ? "." : "", key, (long long)v);
    *out = v;
    return 0;
}

int jget_u64(json_object *o, const char *where, const char *key, uint64_t *out,
             bool *present, struct err *e)
{
    json_object *m;
    if (int_member(o, where, key, &m, e) < 0)
        return -1;
    if (present)
        *present = m != NULL;
    if (!m)
        return 0;
    if (json_object_get_int64(m) < 0)
        return err_set(e, 0, "config.json: %s%s%s: must not be negative",
                       where, *where ? "." : "", key);
    *out = json_object_get_uint64(m);
    return 0;
}

int jget_strv(json_object *o, const char *where, const char *key, bool required,
              const char ***out, size_t *n, struct err *e)
{
    json_object *a = NULL;
    *out = NULL;
    *n = 0;
    if (jget_arr(o, where, key, required, &a, e) < 0)
        return -1;
    if (!a)
        return 0;
    size_t len = json_object_array_length(a);
    const char **v = calloc(len + 1, sizeof *v);
    if (!v)
        return err_set(e, ENOMEM, "out of memory");
    for (size_t i = 0; i < len; i++) {
        json_object *s = json_object_array_get_idx(a, i);
        if (!json_object_is_type(s, json_type_string)) {
            free(v);
            return jerr_elem(where, key, i, "a string", e);
        }
        v[i] = json_object_get_string(s);
    }
    *out = v;
    *n = len;
    return 0;
}

int jerr_elem(const char *where, const char *key, size_t i, const char *want,
              struct err *e)
{
    return err_set(e, 0, "config.json: %s%s%s[%zu]: expected %s", where,
                   *where ? "." : "", key, i, want);
}
