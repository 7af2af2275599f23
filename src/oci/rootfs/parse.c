/* Reading the file system view from config.json: root, mounts,
 * linux.devices, linux.maskedPaths, linux.readonlyPaths and
 * linux.rootfsPropagation. Everything is checked and copied here, so the
 * spec can be freed afterwards. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "base/err.h"
#include "oci/json.h"
#include "oci/rootfs/rootfs.h"
#include "oci/rootfs/internal.h"

static char *dup_str(const char *s, struct err *e)
{
    char *d = strdup(s);
    if (!d)
        err_set(e, ENOMEM, "out of memory");
    return d;
}

/* path as is when absolute, else under bundle. */
static char *under_bundle(const char *bundle, const char *path, struct err *e)
{
    if (path[0] == '/')
        return dup_str(path, e);
    char *p;
    if (asprintf(&p, "%s/%s", bundle, path) < 0) {
        err_set(e, ENOMEM, "out of memory");
        return NULL;
    }
    return p;
}

static int parse_root(json_object *spec, const char *bundle,
                      struct oci_rootfs *r, struct err *e)
{
    json_object *root = NULL;
    const char *path = NULL;
    if (jget_obj(spec, "", "root", true, &root, e) < 0 ||
        jget_str(root, "root", "path", true, &path, e) < 0 ||
        jget_bool(root, "root", "readonly", &r->readonly, NULL, e) < 0)
        return -1;
    if (!*path)
        return err_set(e, 0, "config.json: root.path: empty");
    char *joined = under_bundle(bundle, path, e);
    if (!joined)
        return -1;
    struct stat st;
    int errnum = stat(joined, &st) < 0 ? errno
                 : !S_ISDIR(st.st_mode) ? ENOTDIR : 0;
    if (errnum) {
        err_set(e, errnum, "rootfs %s", joined);
        free(joined);
        return -1;
    }
    r->path = realpath(joined, NULL);
    if (!r->path)
        err_set(e, errno, "rootfs %s", joined);
    free(joined);
    return r->path ? 0 : -1;
}

static int parse_mount(json_object *o, const char *bundle, const char *where,
                       struct oci_mount *m, struct err *e)
{
    const char *dest = NULL, *type = NULL, *source = NULL;
    const char **options = NULL;
    size_t n_options = 0;
    if (!json_object_is_type(o, json_type_object))
        return err_set(e, 0, "config.json: %s: expected an object", where);
    if (jget_str(o, where, "destination", true, &dest, e) < 0 ||
        jget_str(o, where, "type", false, &type, e) < 0 ||
        jget_str(o, where, "source", false, &source, e) < 0 ||
        jget_strv(o, where, "options", false, &options, &n_options, e) < 0)
        return -1;
    int rc = -1;
    if (dest[0] != '/') {
        err_set(e, 0, "config.json: %s.destination: %s: not an absolute path",
                where, dest);
        goto out;
    }
    if (mount_options_parse(m, options, n_options, where, e) < 0)
        goto out;
    if (type && !strcmp(type, "bind")) {
        m->bind = true;
        m->flags |= MS_BIND;
    }
    if (m->bind && (!source || !*source)) {
        err_set(e, 0, "config.json: %s.source: missing (a bind mount needs "
                "one)", where);
        goto out;
    }
    if (!(m->destination = dup_str(dest, e)))
        goto out;
    if (type && *type && !(m->type = dup_str(type, e)))
        goto out;
    if (source && *source) {
        m->source = m->bind ? under_bundle(bundle, source, e)
                            : dup_str(source, e);
        if (!m->source)
            goto out;
    }
    rc = 0;
out:
    free(options);
    return rc;
}

static int parse_mounts(json_object *spec, const char *bundle,
                        struct oci_rootfs *r, struct err *e)
{
    json_object *a = NULL;
    if (jget_arr(spec, "", "mounts", false, &a, e) < 0)
        return -1;
    if (!a)
        return 0;
    size_t n = json_object_array_length(a);
    r->mounts = calloc(n ? n : 1, sizeof *r->mounts);
    if (!r->mounts)
        return err_set(e, ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char where[32];
        snprintf(where, sizeof where, "mounts[%zu]", i);
        r->n_mounts = i + 1;
        r->mounts[i].source_fd = -1;
        if (parse_mount(json_object_array_get_idx(a, i), bundle, where,
                        &r->mounts[i], e) < 0)
            return -1;
    }
    return 0;
}

static int parse_device(json_object *o, const char *where,
                        struct oci_device *d, struct err *e)
{
    const char *path = NULL, *type = NULL;
    int64_t major = 0, minor = 0, mode = 0666, uid = 0, gid = 0;
    bool have_major = false, have_minor = false;
    if (!json_object_is_type(o, json_type_object))
        return err_set(e, 0, "config.json: %s: expected an object", where);
    if (jget_str(o, where, "path", true, &path, e) < 0 ||
        jget_str(o, where, "type", true, &type, e) < 0 ||
        jget_int(o, where, "major", 0, 0xfff, &major, &have_major, e) < 0 ||
        jget_int(o, where, "minor", 0, 0xfffff, &minor, &have_minor, e) < 0 ||
        jget_int(o, where, "fileMode", 0, 07777, &mode, NULL, e) < 0 ||
        jget_int(o, where, "uid", 0, UINT32_MAX - 1, &uid, NULL, e) < 0 ||
        jget_int(o, where, "gid", 0, UINT32_MAX - 1, &gid, NULL, e) < 0)
        return -1;
    const char *base = strrchr(path, '/');
    if (path[0] != '/' || !base[1] || !strcmp(base, "/.") ||
        !strcmp(base, "/.."))
        return err_set(e, 0, "config.json: %s.path: %s: not an absolute path "
                       "to a file", where, path);
    if (!strcmp(type, "c") || !strcmp(type, "u"))
        d->type = S_IFCHR;
    else if (!strcmp(type, "b"))
        d->type = S_IFBLK;
    else if (!strcmp(type, "p"))
        d->type = S_IFIFO;
    else
        return err_set(e, 0, "config.json: %s.type: %s: expected c, b, u or "
                       "p", where, type);
    if (d->type != S_IFIFO && (!have_major || !have_minor))
        return err_set(e, 0, "config.json: %s.%s: missing", where,
                       have_major ? "minor" : "major");
    d->major = major;
    d->minor = minor;
    d->mode = mode;
    d->uid = uid;
    d->gid = gid;
    d->path = dup_str(path, e);
    return d->path ? 0 : -1;
}

static int parse_devices(json_object *lin, struct oci_rootfs *r,
                         struct err *e)
{
    json_object *a = NULL;
    if (jget_arr(lin, "linux", "devices", false, &a, e) < 0)
        return -1;
    if (!a)
        return 0;
    size_t n = json_object_array_length(a);
    r->devices = calloc(n ? n : 1, sizeof *r->devices);
    if (!r->devices)
        return err_set(e, ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char where[40];
        snprintf(where, sizeof where, "linux.devices[%zu]", i);
        r->n_devices = i + 1;
        if (parse_device(json_object_array_get_idx(a, i), where,
                         &r->devices[i], e) < 0)
            return -1;
    }
    return 0;
}

/* An array of absolute paths, copied. */
static int parse_paths(json_object *lin, const char *key, char ***out,
                       size_t *n, struct err *e)
{
    const char **v = NULL;
    size_t len = 0;
    if (jget_strv(lin, "linux", key, false, &v, &len, e) < 0)
        return -1;
    int rc = 0;
    if (len && !(*out = calloc(len, sizeof **out)))
        rc = err_set(e, ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < len; i++) {
        if (v[i][0] != '/')
            rc = err_set(e, 0, "config.json: linux.%s[%zu]: %s: not an "
                         "absolute path", key, i, v[i]);
        else if (!((*out)[i] = dup_str(v[i], e)))
            rc = -1;
        else
            *n = i + 1;
    }
    free(v);
    return rc;
}

static int parse_linux(json_object *spec, struct oci_rootfs *r,
                       struct err *e)
{
    json_object *lin = NULL;
    const char *prop = NULL;
    if (jget_obj(spec, "", "linux", false, &lin, e) < 0)
        return -1;
    if (!lin)
        return 0;
    if (parse_devices(lin, r, e) < 0 ||
        parse_paths(lin, "maskedPaths", &r->masked, &r->n_masked, e) < 0 ||
        parse_paths(lin, "readonlyPaths", &r->readonly_paths,
                    &r->n_readonly, e) < 0 ||
        jget_str(lin, "linux", "rootfsPropagation", false, &prop, e) < 0)
        return -1;
    if (prop && *prop && !(r->propagation = mount_propagation_word(prop)))
        return err_set(e, 0, "config.json: linux.rootfsPropagation: %s: "
                       "expected private, rprivate, slave, rslave, shared, "
                       "rshared, unbindable or runbindable", prop);
    return 0;
}

int rootfs_parse(json_object *spec, const char *bundle,
                 struct oci_rootfs **out, struct err *e)
{
    struct oci_rootfs *r = calloc(1, sizeof *r);
    if (!r)
        return err_set(e, ENOMEM, "out of memory");
    if (parse_root(spec, bundle, r, e) < 0 ||
        parse_mounts(spec, bundle, r, e) < 0 || parse_linux(spec, r, e) < 0) {
        rootfs_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void rootfs_free(struct oci_rootfs *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_mounts; i++) {
        struct oci_mount *m = &r->mounts[i];
        free(m->destination);
        free(m->type);
        free(m->source);
        free(m->data);
        if (m->source_fd >= 0)
            close(m->source_fd);
    }
    free(r->mounts);
    for (size_t i = 0; i < r->n_devices; i++)
        free(r->devices[i].path);
    free(r->devices);
    free_strs(r->masked, r->n_masked);
    free_strs(r->readonly_paths, r->n_readonly);
    free(r->path);
    free(r);
}

const char *rootfs_path(const struct oci_rootfs *r)
{
    return r->path;
}
