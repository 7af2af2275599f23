/* The control API's picture of a machine: GET /machine's body. */
#ifndef CELLA_VM_API_MACHINE_JSON_H
#define CELLA_VM_API_MACHINE_JSON_H

#include <json.h>

#include "vm/machine.h"

/* The state names the API and the CLI use. */
const char *api_state_name(enum machine_state s);

/* {"state", "config", "harts", "devices", "uptime_ms"}; NULL when out of
 * memory. The caller puts it. */
json_object *api_machine_json(struct machine *m);

#endif
