/* Capability sets from config.json (process.capabilities), applied with
 * libcap. */
#ifndef CELLA_OCI_CAPS_H
#define CELLA_OCI_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

struct err;

/* Bit n is capability n. */
struct oci_caps {
    bool present;            /* false: "capabilities" absent, sets all 0 */
    uint64_t bounding, effective, inheritable, permitted, ambient;
};

/* Parse a capabilities object ("CAP_SYS_ADMIN" names). Names this host's
 * kernel or libcap does not know are skipped, with a warning for those
 * libcap does not know (newer specs name newer capabilities); entries that
 * are not strings are errors. */
int caps_parse(json_object *caps, const char *where, struct oci_caps *c,
               struct err *e);

/* Apply every set to the calling thread: bounding drops, then
 * inheritable/permitted/effective, then ambient. Called after the uid
 * change. Capabilities the spec does not name are gone afterwards, in
 * every set. */
int caps_apply(const struct oci_caps *c, struct err *e);

#endif
