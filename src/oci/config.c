/* The config.json a container was made from, kept in its state directory
 * at create: start, exec and delete read their hooks, process defaults
 * and seccomp filter from it, whatever happens to the bundle later. */
#include "oci/container.h"

#include <errno.h>
#include <stdlib.h>

#include "base/err.h"
#include "oci/hooks.h"

int container_config_save(const struct oci_state *st,
                          const struct oci_spec *s, struct err *e)
{
    char path[PATH_MAX + 16];
    state_file(st, "config.json", path, sizeof path);
    if (json_object_to_file_ext(path, s->json, JSON_C_TO_STRING_PLAIN) < 0)
        return err_set(e, errno, "write %s", path);
    return 0;
}

json_object *container_config(const struct oci_state *st, struct err *e)
{
    char path[PATH_MAX + 16];
    state_file(st, "config.json", path, sizeof path);
    return spec_parse_file(path, "saved config.json", e);
}

int container_hooks_run(const struct oci_state *st, enum hook_kind k,
                        enum oci_status status, struct err *e)
{
    if (!(st->hooks & (1u << k)))
        return 0;
    json_object *config = container_config(st, e);
    if (!config)
        return -1;
    json_object *hooks = NULL;
    json_object_object_get_ex(config, "hooks", &hooks);
    struct oci_hooks h;
    int r = hooks_parse(hooks, &h, e);
    if (r == 0 && h.n[k]) {
        char *text = state_json(st, status);
        r = hooks_run(&h, k, text, e);
        free(text);
    }
    hooks_free(&h);
    json_object_put(config);
    return r;
}
