/* The control API's picture of a machine: GET /machine's body. */
#ifndef CELLA_VM_API_MACHINE_JSON_H
#define CELLA_VM_API_MACHINE_JSON_H

#include <json.h>

#include "vm/machine.h"
#include "vm/migrate/source.h"

/* The state names the API and the CLI use. */
const char *api_state_name(enum machine_state s);

/* {"state", "config", "harts", "devices", "uptime_ms", "migration"};
 * NULL when out of memory. The caller puts it. */
json_object *api_machine_json(struct machine *m);
/* A migration's progress: {"status", "round", "bytes_sent", ...}. */
json_object *api_migration_json(const struct migration_progress *p);

#endif
