/* `spec [--bundle B]`: the default config.json written into a bundle. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/cmd/cmd.h"
#include "oci/cmd/opts.h"
#include "oci/spec.h"

int cmd_spec(struct oci_ctx *c, int argc, char **argv, struct err *e)
{
    (void)c;
    const char *bundle = ".";
    bool rootless = false;
    const struct opt opts[] = {{"bundle", 'b', OPT_STR, &bundle},
                               {"rootless", 0, OPT_FLAG, &rootless},
                               {0}};
    int i = 1;
    if (opts_parse("spec", argc, argv, &i, opts, e) < 0)
        return -1;
    if (i < argc)
        return err_set(e, 0, "spec: unexpected argument '%s'", argv[i]);
    if (rootless)
        return err_set(e, 0, "spec: --rootless is not supported");
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", bundle);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return err_set(e, errno, "spec: %s", path);
    size_t len = strlen(oci_default_spec);
    ssize_t n = write(fd, oci_default_spec, len);
    close(fd);
    if (n != (ssize_t)len)
        return err_set(e, errno, "spec: write %s", path);
    return 0;
}
