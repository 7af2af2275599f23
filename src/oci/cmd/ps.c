/* `ps [--format table|json] ID`: the processes in the container's
 * cgroup, with their command names (table) or as a list of pids (json). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "oci/cmd/cmd.h"
#include "oci/cmd/opts.h"
#include "oci/container.h"

int cmd_ps(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    const char *format = "table";
    const struct opt opts[] = {{"format", 'f', OPT_STR, &format}, {0}};
    struct oci_state st;
    if (cmd_load(c, "ps", argc, argv, opts, &st, NULL, true, e) < 0)
        return -1;
    pid_t *pids;
    size_t n;
    int r = container_pids(&st, "ps", &pids, &n, e);
    state_free(&st);
    if (r < 0)
        return -1;
    if (!strcmp(format, "json")) {
        printf("[");
        for (size_t k = 0; k < n; k++)
            printf("%s%d", k ? "," : "", (int)pids[k]);
        printf("]\n");
    } else {
        printf("%-8s %s\n", "PID", "CMD");
        for (size_t k = 0; k < n; k++) {
            char path[64];
            uint8_t *comm = NULL;
            size_t len = 0;
            snprintf(path, sizeof path, "/proc/%d/comm", (int)pids[k]);
            if (read_file(path, &comm, &len, NULL) == 0 && len)
                comm[len - 1] = 0;
            printf("%-8d %s\n", (int)pids[k], comm ? (char *)comm : "?");
            free(comm);
        }
    }
    free(pids);
    return 0;
}
