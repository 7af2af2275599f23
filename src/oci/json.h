/* Typed reads from config.json (json-c), with errors that name the field:
 * "config.json: process.user.uid: expected an integer". Strings handed out
 * point into the parsed tree and live as long as it does. */
#ifndef CELLA_OCI_JSON_H
#define CELLA_OCI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

struct err;

/* Each getter reads member key of object o. where is the dotted path of o
 * for messages ("process.user"; "" at the top). A missing (or null) member
 * is an error when required, else leaves *out untouched and returns 0;
 * *present (when non-NULL) says which. A member of the wrong type is
 * always an error. */
int jget_obj(json_object *o, const char *where, const char *key, bool required,
             json_object **out, struct err *e);
int jget_arr(json_object *o, const char *where, const char *key, bool required,
             json_object **out, struct err *e);
int jget_str(json_object *o, const char *where, const char *key, bool required,
             const char **out, struct err *e);
int jget_bool(json_object *o, const char *where, const char *key, bool *out,
              bool *present, struct err *e);
/* Integers in [min, max]; a fraction or an out-of-range value is an error. */
int jget_int(json_object *o, const char *where, const char *key, int64_t min,
             int64_t max, int64_t *out, bool *present, struct err *e);
int jget_u64(json_object *o, const char *where, const char *key, uint64_t *out,
             bool *present, struct err *e);
/* An array of strings as a malloc'd NULL-terminated vector of pointers into
 * the tree (free only the vector). Missing: *out = NULL, *n = 0. */
int jget_strv(json_object *o, const char *where, const char *key, bool required,
              const char ***out, size_t *n, struct err *e);

/* The error for element i of array key that is not what it should be. */
int jerr_elem(const char *where, const char *key, size_t i, const char *want,
              struct err *e);

#endif
