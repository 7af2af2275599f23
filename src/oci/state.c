/* Containers on disk: the per-container directory, state.json, status. */
#include "oci/state.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"

int state_check_id(const char *id, struct err *e)
{
    size_t len = strlen(id);
    if (len == 0)
        return err_set(e, 0, "container ID is empty");
    if (len > OCI_ID_MAX)
        return err_set(e, 0, "container ID is longer than %d characters",
                       OCI_ID_MAX);
    if (id[0] == '.')
        return err_set(e, 0, "container ID '%s' starts with a dot", id);
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_.+-", *p))
            return err_set(e, 0, "container ID has a character other than "
                           "letters, digits and _.+- (0x%02x)",
                           (unsigned char)*p);
    return 0;
}

void state_file(const struct oci_state *st, const char *name, char *out,
                size_t size)
{
    snprintf(out, size, "%s/%s", st->dir, name);
}

static void set_dir(const char *root, const char *id, struct oci_state *st)
{
    snprintf(st->id, sizeof st->id, "%s", id);
    snprintf(st->dir, sizeof st->dir, "%s/%s", root, id);
}

int state_make_dir(const char *root, const char *id, struct oci_state *st,
                   struct err *e)
{
    memset(st, 0, sizeof *st);
    if (state_check_id(id, e) < 0)
        return -1;
    /* Its missing parents too, as runc: containerd's shim passes --root
     * <runc root>/<namespace>, and neither needs to exist yet. */
    char failed[PATH_MAX];
    if (mkdir_parents(root, 0700, failed) < 0)
        return err_set(e, errno, "state directory %s", failed);
    set_dir(root, id, st);
    if (mkdir(st->dir, 0700) < 0) {
        if (errno == EEXIST)
            return err_set(e, 0, "container %s already exists", id);
        return err_set(e, errno, "state directory %s", st->dir);
    }
    return 0;
}

static int copy_str(json_object *o, const char *key, char *out, size_t size)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return -1;
    snprintf(out, size, "%s", json_object_get_string(v));
    return 0;
}

int state_load(const char *root, const char *id, struct oci_state *st,
               struct err *e)
{
    memset(st, 0, sizeof *st);
    if (state_check_id(id, e) < 0)
        return -1;
    set_dir(root, id, st);
    char path[PATH_MAX + 16];
    state_file(st, "state.json", path, sizeof path);
    json_object *o = json_object_from_file(path);
    if (!o) {
        if (access(st->dir, F_OK) < 0 && (errno == ENOENT || errno == ENOTDIR))
            return err_set(e, ENOENT, "container %s does not exist", id);
        return err_set(e, 0, "container %s: state is unreadable (%s)", id,
                       path);
    }
    json_object *v;
    int bad = copy_str(o, "bundle", st->bundle, sizeof st->bundle) |
              copy_str(o, "rootfs", st->rootfs, sizeof st->rootfs) |
              copy_str(o, "created", st->created, sizeof st->created) |
              copy_str(o, "cgroup", st->cgroup, sizeof st->cgroup);
    if (json_object_object_get_ex(o, "pid", &v))
        st->pid = (pid_t)json_object_get_int(v);
    if (json_object_object_get_ex(o, "startTime", &v))
        st->start_time = json_object_get_uint64(v);
    if (json_object_object_get_ex(o, "systemdCgroup", &v))
        st->systemd_cgroup = json_object_get_boolean(v);
    if (json_object_object_get_ex(o, "paused", &v))
        st->paused = json_object_get_boolean(v);
    st->hooks = ~0u;
    if (json_object_object_get_ex(o, "hooks", &v))
        st->hooks = (unsigned)json_object_get_int(v);
    if (json_object_object_get_ex(o, "annotations", &v) &&
        json_object_is_type(v, json_type_object))
        st->annotations = json_object_get(v);
    json_object_put(o);
    if (bad)
        return err_set(e, 0, "container %s: state is unreadable (%s)", id,
                       path);
    return 0;
}

int state_save(const struct oci_state *st, struct err *e)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(st->id));
    json_object_object_add(o, "pid", json_object_new_int(st->pid));
    json_object_object_add(o, "startTime",
                           json_object_new_uint64(st->start_time));
    json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
    json_object_object_add(o, "rootfs", json_object_new_string(st->rootfs));
    json_object_object_add(o, "created", json_object_new_string(st->created));
    json_object_object_add(o, "cgroup", json_object_new_string(st->cgroup));
    json_object_object_add(o, "systemdCgroup",
                           json_object_new_boolean(st->systemd_cgroup));
    json_object_object_add(o, "paused", json_object_new_boolean(st->paused));
    json_object_object_add(o, "hooks", json_object_new_int((int)st->hooks));
    if (st->annotations)
        json_object_object_add(o, "annotations",
                               json_object_get(st->annotations));
    char tmp[PATH_MAX + 16], path[PATH_MAX + 16];
    state_file(st, "state.json.tmp", tmp, sizeof tmp);
    state_file(st, "state.json", path, sizeof path);
    int r = json_object_to_file_ext(tmp, o, JSON_C_TO_STRING_PLAIN);
    json_object_put(o);
    if (r < 0)
        return err_set(e, errno, "write %s", tmp);
    if (rename(tmp, path) < 0)
        return err_set(e, errno, "rename %s", tmp);
    return 0;
}

int state_remove(const struct oci_state *st, struct err *e)
{
    DIR *d = opendir(st->dir);
    if (!d)
        return errno == ENOENT ? 0 : err_set(e, errno, "%s", st->dir);
    struct dirent *de;
    int fd = dirfd(d);
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            unlinkat(fd, de->d_name, 0);
    closedir(d);
    if (rmdir(st->dir) < 0 && errno != ENOENT)
        return err_set(e, errno, "remove %s", st->dir);
    return 0;
}

void state_free(struct oci_state *st)
{
    json_object_put(st->annotations);
    st->annotations = NULL;
}

unsigned long long proc_start_time(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    /* After the command name (which may hold spaces and parentheses):
     * field 3 is the state, field 22 the start time. */
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
        return 0;
    p += 2;
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (!p)
            return 0;
        p++;
    }
    return strtoull(p, NULL, 10);
}

enum oci_status state_status(const struct oci_state *st)
{
    if (st->pid <= 0)
        return ST_CREATING;
    unsigned long long t = proc_start_time(st->pid);
    if (t == 0 || t != st->start_time)
        return ST_STOPPED;
    if (st->paused)
        return ST_PAUSED;
    char fifo[PATH_MAX + 16];
    state_file(st, "exec.fifo", fifo, sizeof fifo);
    return access(fifo, F_OK) == 0 ? ST_CREATED : ST_RUNNING;
}

void state_owner(const struct oci_state *st, char *out, size_t size)
{
    if (st->owner[0]) {
        snprintf(out, size, "%s", st->owner);
        return;
    }
    struct stat sb;
    struct passwd *pw = stat(st->dir, &sb) == 0 ? getpwuid(sb.st_uid) : NULL;
    snprintf(out, size, "%s", pw ? pw->pw_name : "");
}

const char *state_status_name(enum oci_status s)
{
    static const char *const names[] = {"creating", "created", "running",
                                        "paused", "stopped"};
    return names[s];
}

char *state_json(const struct oci_state *st, enum oci_status s)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ociVersion", json_object_new_string("1.0.2"));
    json_object_object_add(o, "id", json_object_new_string(st->id));
    json_object_object_add(o, "status",
                           json_object_new_string(state_status_name(s)));
    json_object_object_add(o, "pid",
                           json_object_new_int(s == ST_STOPPED ? 0 : st->pid));
    json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
    json_object_object_add(o, "annotations",
                           st->annotations ? json_object_get(st->annotations)
                                           : json_object_new_object());
    json_object_object_add(o, "rootfs", json_object_new_string(st->rootfs));
    json_object_object_add(o, "created", json_object_new_string(st->created));
    char owner[64];
    state_owner(st, owner, sizeof owner);
    json_object_object_add(o, "owner", json_object_new_string(owner));
    char *text = strdup(json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return text;
}

int state_list(const char *root, char ***ids, size_t *n, struct err *e)
{
    *ids = NULL;
    *n = 0;
    DIR *d = opendir(root);
    if (!d)
        return errno == ENOENT ? 0 : err_set(e, errno, "%s", root);
    struct dirent *de;
    size_t cap = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || state_check_id(de->d_name, NULL) < 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char **v = realloc(*ids, cap * sizeof *v);
            if (!v)
                break;
            *ids = v;
        }
        (*ids)[(*n)++] = strdup(de->d_name);
    }
    closedir(d);
    return 0;
}
