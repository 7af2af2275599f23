/* `list [--format table|json] [--quiet]`: every container under --root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "oci/cmd/cmd.h"
#include "oci/cmd/opts.h"
#include "oci/state.h"

int cmd_list(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    const char *format = "table";
    bool quiet = false;
    const struct opt opts[] = {{"format", 'f', OPT_STR, &format},
                               {"quiet", 'q', OPT_FLAG, &quiet},
                               {0}};
    int i = 1;
    if (opts_parse("list", argc, argv, &i, opts, e) < 0)
        return -1;
    if (strcmp(format, "table") && strcmp(format, "json"))
        return err_set(e, 0, "list: --format '%s' is not table or json",
                       format);
    char **ids;
    size_t n;
    if (state_list(c->root, &ids, &n, e) < 0)
        return -1;
    json_object *arr = json_object_new_array();
    if (!strcmp(format, "table") && !quiet)
        printf("%-20s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS",
               "BUNDLE", "CREATED", "OWNER");
    for (size_t k = 0; k < n; k++) {
        struct oci_state st;
        if (state_load(c->root, ids[k], &st, NULL) == 0) {
            enum oci_status s = state_status(&st);
            int pid = s == ST_STOPPED ? 0 : st.pid;
            if (quiet)
                puts(st.id);
            else if (!strcmp(format, "table")) {
                char owner[64];
                state_owner(&st, owner, sizeof owner);
                printf("%-20s %-8d %-10s %-40s %-32s %s\n", st.id, pid,
                       state_status_name(s), st.bundle, st.created, owner);
            } else {
                char *text = state_json(&st, s);
                json_object_array_add(arr, json_tokener_parse(text));
                free(text);
            }
            state_free(&st);
        }
        free(ids[k]);
    }
    free(ids);
    if (!strcmp(format, "json") && !quiet)
        puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
    json_object_put(arr);
    return 0;
}
