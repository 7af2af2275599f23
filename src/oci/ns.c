/* Namespaces: parsing linux.namespaces and the id maps, joining by path,
 * writing the maps of a new user namespace. */
#include "oci/ns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/json.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
    const char *spec_name, *proc_name;
    int flag;
} kinds[NS_KINDS] = {
    [NS_USER] = {"user", "user", CLONE_NEWUSER},
    [NS_MNT] = {"mount", "mnt", CLONE_NEWNS},
    [NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [NS_NET] = {"network", "net", CLONE_NEWNET},
    [NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
    [NS_TIME] = {"time", "time", CLONE_NEWTIME},
};

int ns_clone_flag(enum ns_kind k) { return kinds[k].flag; }
const char *ns_proc_name(enum ns_kind k) { return kinds[k].proc_name; }

static int parse_maps(json_object *linux_obj, const char *key,
                      struct ns_idmap **out, size_t *n, struct err *e)
{
    json_object *a = NULL;
    if (jget_arr(linux_obj, "linux", key, false, &a, e) < 0)
        return -1;
    if (!a)
        return 0;
    size_t len = json_object_array_length(a);
    if (len == 0)
        return 0;
    *out = calloc(len, sizeof **out);
    if (!*out)
        return err_set(e, ENOMEM, "out of memory");
    char where[64];
    for (size_t i = 0; i < len; i++) {
        json_object *m = json_object_array_get_idx(a, i);
        if (!json_object_is_type(m, json_type_object))
            return jerr_elem("linux", key, i, "an object", e);
        snprintf(where, sizeof where, "linux.%s[%zu]", key, i);
        int64_t c = 0, h = 0, s = 0;
        bool pc, ph, ps;
        if (jget_int(m, where, "containerID", 0, UINT32_MAX, &c, &pc, e) < 0 ||
            jget_int(m, where, "hostID", 0, UINT32_MAX, &h, &ph, e) < 0 ||
            jget_int(m, where, "size", 1, UINT32_MAX, &s, &ps, e) < 0)
            return -1;
        if (!pc || !ph || !ps)
            return err_set(e, 0, "config.json: %s: needs containerID, hostID "
                           "and size", where);
        (*out)[i] = (struct ns_idmap){(uint32_t)c, (uint32_t)h, (uint32_t)s};
    }
    *n = len;
    return 0;
}

static int parse_time_offsets(json_object *linux_obj, struct oci_ns *ns,
                              struct err *e)
{
    json_object *t = NULL, *c;
    if (jget_obj(linux_obj, "linux", "timeOffsets", false, &t, e) < 0)
        return -1;
    if (!t)
        return 0;
    static const char *const clocks[] = {"monotonic", "boottime"};
    for (int i = 0; i < 2; i++) {
        c = NULL;
        if (jget_obj(t, "linux.timeOffsets", clocks[i], false, &c, e) < 0)
            return -1;
        if (!c)
            continue;
        char where[64];
        snprintf(where, sizeof where, "linux.timeOffsets.%s", clocks[i]);
        int64_t secs = 0, nanos = 0;
        if (jget_int(c, where, "secs", INT64_MIN, INT64_MAX, &secs, NULL, e) < 0 ||
            jget_int(c, where, "nanosecs", 0, 999999999, &nanos, NULL, e) < 0)
            return -1;
        if (i == 0) {
            ns->mono_secs = secs;
            ns->mono_nanos = (uint32_t)nanos;
        } else {
            ns->boot_secs = secs;
            ns->boot_nanos = (uint32_t)nanos;
        }
        ns->has_time_offsets = true;
    }
    return 0;
}

int ns_parse(json_object *linux_obj, struct oci_ns *ns, struct err *e)
{
    memset(ns, 0, sizeof *ns);
    json_object *a = NULL;
    if (jget_arr(linux_obj, "linux", "namespaces", false, &a, e) < 0)
        return -1;
    size_t len = a ? json_object_array_length(a) : 0;
    for (size_t i = 0; i < len; i++) {
        json_object *n = json_object_array_get_idx(a, i);
        if (!json_object_is_type(n, json_type_object))
            return jerr_elem("linux", "namespaces", i, "an object", e);
        char where[48];
        snprintf(where, sizeof where, "linux.namespaces[%zu]", i);
        const char *type = NULL, *path = NULL;
        if (jget_str(n, where, "type", true, &type, e) < 0 ||
            jget_str(n, where, "path", false, &path, e) < 0)
            return -1;
        int k = 0;
        while (k < NS_KINDS && strcmp(kinds[k].spec_name, type))
            k++;
        if (k == NS_KINDS)
            return err_set(e, 0, "config.json: %s.type: unknown namespace "
                           "'%s'", where, type);
        if (ns->present[k])
            return err_set(e, 0, "config.json: %s: namespace '%s' listed "
                           "twice", where, type);
        if (path && *path != '/')
            return err_set(e, 0, "config.json: %s.path: '%s' is not "
                           "absolute", where, path);
        ns->present[k] = true;
        ns->path[k] = path && *path ? path : NULL;
    }
    if (parse_maps(linux_obj, "uidMappings", &ns->uid_map, &ns->n_uid_map, e) < 0 ||
        parse_maps(linux_obj, "gidMappings", &ns->gid_map, &ns->n_gid_map, e) < 0 ||
        parse_time_offsets(linux_obj, ns, e) < 0)
        return -1;
    bool new_user = ns->present[NS_USER] && !ns->path[NS_USER];
    if (new_user && (!ns->n_uid_map || !ns->n_gid_map))
        return err_set(e, 0, "config.json: linux: a new user namespace needs "
                       "uidMappings and gidMappings");
    if (!new_user && (ns->n_uid_map || ns->n_gid_map))
        return err_set(e, 0, "config.json: linux: uidMappings and "
                       "gidMappings need a new user namespace");
    if (ns->has_time_offsets && !(ns->present[NS_TIME] && !ns->path[NS_TIME]))
        return err_set(e, 0, "config.json: linux.timeOffsets: needs a new "
                       "time namespace");
    return 0;
}

void ns_free(struct oci_ns *ns)
{
    free(ns->uid_map);
    free(ns->gid_map);
    ns->uid_map = ns->gid_map = NULL;
}

int ns_new_flags(const struct oci_ns *ns)
{
    int flags = 0;
    for (int k = 0; k < NS_KINDS; k++)
        if (ns->present[k] && !ns->path[k])
            flags |= kinds[k].flag;
    return flags;
}

static int join(const char *path, int flag, const char *name, struct err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, errno, "%s namespace %s", name, path);
    int r = setns(fd, flag);
    int saved = errno;
    close(fd);
    if (r < 0)
        return err_set(e, saved, "join %s namespace %s", name, path);
    return 0;
}

int ns_join_paths(const struct oci_ns *ns, struct err *e)
{
    for (int k = 0; k < NS_KINDS; k++)
        if (ns->present[k] && ns->path[k] &&
            join(ns->path[k], kinds[k].flag, kinds[k].spec_name, e) < 0)
            return -1;
    return 0;
}

static int write_proc(pid_t pid, const char *file, const char *text,
                      struct err *e)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, errno, "open %s", path);
    ssize_t n = write(fd, text, strlen(text));
    int saved = errno;
    close(fd);
    if (n != (ssize_t)strlen(text))
        return err_set(e, n < 0 ? saved : EIO, "write %s", path);
    return 0;
}

static int write_map(pid_t pid, const char *file, const struct ns_idmap *m,
                     size_t n, struct err *e)
{
    char text[4096];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(text + len, sizeof text - len, "%u %u %u\n",
                         m[i].container_id, m[i].host_id, m[i].size);
        if (w < 0 || (size_t)w >= sizeof text - len)
            return err_set(e, 0, "%s: too many mappings", file);
        len += (size_t)w;
    }
    return write_proc(pid, file, text, e);
}

int ns_write_maps(const struct oci_ns *ns, pid_t pid, struct err *e)
{
    if (write_map(pid, "uid_map", ns->uid_map, ns->n_uid_map, e) < 0 ||
        write_map(pid, "gid_map", ns->gid_map, ns->n_gid_map, e) < 0)
        return -1;
    return 0;
}

int ns_write_time_offsets(const struct oci_ns *ns, struct err *e)
{
    if (!ns->has_time_offsets)
        return 0;
    char text[128];
    snprintf(text, sizeof text, "monotonic %lld %u\nboottime %lld %u\n",
             (long long)ns->mono_secs, ns->mono_nanos,
             (long long)ns->boot_secs, ns->boot_nanos);
    return write_proc(getpid(), "timens_offsets", text, e);
}

int ns_join_pid(pid_t pid, struct err *e)
{
    /* Every descriptor first: once in the container's mount namespace,
     * /proc is the container's and the host pid means nothing there. */
    int fds[NS_KINDS];
    for (int k = 0; k < NS_KINDS; k++)
        fds[k] = -1;
    for (int k = 0; k < NS_KINDS; k++) {
        char theirs[64], ours[64];
        snprintf(theirs, sizeof theirs, "/proc/%d/ns/%s", (int)pid,
                 kinds[k].proc_name);
        snprintf(ours, sizeof ours, "/proc/self/ns/%s", kinds[k].proc_name);
        struct stat a, b;
        if (stat(theirs, &a) < 0) {
            if (errno == ENOENT)    /* a kind this kernel lacks */
                continue;
            err_set(e, errno, "%s", theirs);
            goto fail;
        }
        if (stat(ours, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
            continue;
        if ((fds[k] = open(theirs, O_RDONLY | O_CLOEXEC)) < 0) {
            err_set(e, errno, "open %s", theirs);
            goto fail;
        }
    }
    /* The user namespace first: the others are owned by it. */
    for (int k = 0; k < NS_KINDS; k++) {
        if (fds[k] >= 0 && setns(fds[k], kinds[k].flag) < 0) {
            err_set(e, errno, "join the container's %s namespace",
                    kinds[k].spec_name);
            goto fail;
        }
    }
    for (int k = 0; k < NS_KINDS; k++)
        if (fds[k] >= 0)
            close(fds[k]);
    return 0;
fail:
    for (int k = 0; k < NS_KINDS; k++)
        if (fds[k] >= 0)
            close(fds[k]);
    return -1;
}
