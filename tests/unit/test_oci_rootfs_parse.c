/* Unit tests of reading the file system view from config.json: root,
 * mounts and their options, linux.devices, masked and read-only paths,
 * rootfsPropagation; every bad field is named in the error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/rootfs/rootfs.h"
#include "oci/rootfs/internal.h"

#define ROOT "\"root\":{\"path\":\"rootfs\"}"

static char bundle[PATH_MAX];
static char rootfs[PATH_MAX + 16];

static int setup(void **state)
{
    (void)state;
    char path[PATH_MAX + 16];
    snprintf(bundle, sizeof bundle, "/tmp/cella-rootfs-parse-XXXXXX");
    if (!mkdtemp(bundle))
        return -1;
    snprintf(rootfs, sizeof rootfs, "%s/rootfs", bundle);
    snprintf(path, sizeof path, "%s/afile", bundle);
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    if (fd >= 0)
        close(fd);
    return mkdir(rootfs, 0755) < 0 || fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/afile", bundle);
    unlink(path);
    rmdir(rootfs);
    rmdir(bundle);
    return 0;
}

static int parse(const char *text, struct oci_rootfs **r, struct err *e)
{
    json_object *spec = json_tokener_parse(text);
    assert_non_null(spec);
    memset(e, 0, sizeof *e);
    int rc = rootfs_parse(spec, bundle, r, e);
    json_object_put(spec);
    return rc;
}

static void test_full_spec(void **state)
{
    (void)state;
    struct oci_rootfs *r = NULL;
    struct err e;
    int rc = parse("{\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
        "\"mounts\":["
        "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
        "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
        " \"options\":[\"nosuid\",\"strictatime\",\"mode=755\","
        "  \"size=65536k\"]},"
        "{\"destination\":\"/data\",\"type\":\"none\",\"source\":\"vol\","
        " \"options\":[\"rbind\",\"ro\",\"rw\",\"nodev\",\"rprivate\","
        "  \"rro\",\"rnoatime\",\"tmpcopyup\"]},"
        "{\"destination\":\"/etc/hosts\",\"type\":\"bind\","
        " \"source\":\"/etc/hosts\",\"options\":[\"noexec\",\"exec\"]}],"
        "\"linux\":{\"devices\":["
        " {\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,"
        "  \"fileMode\":438,\"uid\":1,\"gid\":2},"
        " {\"path\":\"/dev/fifo\",\"type\":\"p\"}],"
        "\"maskedPaths\":[\"/proc/kcore\"],"
        "\"readonlyPaths\":[\"/proc/sys\",\"/proc/bus\"],"
        "\"rootfsPropagation\":\"rslave\"}}", &r, &e);
    assert_int_equal(rc, 0);
    assert_string_equal(rootfs_path(r), rootfs);
    assert_true(r->readonly);
    assert_int_equal(r->n_mounts, 4);

    struct oci_mount *m = &r->mounts[0];
    assert_string_equal(m->destination, "/proc");
    assert_string_equal(m->type, "proc");
    assert_false(m->bind);
    assert_null(m->data);

    m = &r->mounts[1];
    assert_int_equal(m->flags, MS_NOSUID | MS_STRICTATIME);
    assert_true(m->atime_given);
    assert_string_equal(m->data, "mode=755,size=65536k");

    m = &r->mounts[2];
    assert_true(m->bind);
    assert_int_equal(m->flags, MS_BIND | MS_REC | MS_NODEV);
    assert_int_equal(m->cleared, MS_RDONLY);
    assert_int_equal(m->propagation, MS_PRIVATE | MS_REC);
    assert_int_equal(m->attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOATIME);
    assert_int_equal(m->attr_clr, MOUNT_ATTR__ATIME);
    assert_null(m->data);
    char vol[PATH_MAX + 16];
    snprintf(vol, sizeof vol, "%s/vol", bundle);
    assert_string_equal(m->source, vol);

    m = &r->mounts[3];
    assert_true(m->bind);
    assert_int_equal(m->flags, MS_BIND);
    assert_int_equal(m->cleared, MS_NOEXEC);
    assert_string_equal(m->source, "/etc/hosts");

    assert_int_equal(r->n_devices, 2);
    assert_string_equal(r->devices[0].path, "/dev/fuse");
    assert_int_equal(r->devices[0].type, S_IFCHR);
    assert_int_equal(r->devices[0].major, 10);
    assert_int_equal(r->devices[0].minor, 229);
    assert_int_equal(r->devices[0].mode, 0666);
    assert_int_equal(r->devices[0].uid, 1);
    assert_int_equal(r->devices[0].gid, 2);
    assert_int_equal(r->devices[1].type, S_IFIFO);

    assert_int_equal(r->n_masked, 1);
    assert_string_equal(r->masked[0], "/proc/kcore");
    assert_int_equal(r->n_readonly, 2);
    assert_string_equal(r->readonly_paths[1], "/proc/bus");
    assert_int_equal(r->propagation, MS_SLAVE | MS_REC);
    rootfs_free(r);
}

static void test_minimal_and_absolute(void **state)
{
    (void)state;
    struct oci_rootfs *r = NULL;
    struct err e;
    char text[PATH_MAX + 64];
    snprintf(text, sizeof text, "{\"root\":{\"path\":\"%s/\"}}", rootfs);
    assert_int_equal(parse(text, &r, &e), 0);
    assert_string_equal(rootfs_path(r), rootfs);
    assert_false(r->readonly);
    assert_int_equal(r->n_mounts, 0);
    assert_int_equal(r->n_devices, 0);
    assert_int_equal(r->propagation, 0);
    rootfs_free(r);

    assert_int_equal(parse("{" ROOT ",\"mounts\":[],\"linux\":{}}", &r, &e),
                     0);
    rootfs_free(r);
}

static void test_missing_rootfs(void **state)
{
    (void)state;
    struct oci_rootfs *r = NULL;
    struct err e;
    char want[PATH_MAX + 32];
    assert_int_equal(parse("{\"root\":{\"path\":\"nope\"}}", &r, &e), -1);
    snprintf(want, sizeof want, "rootfs %s/nope", bundle);
    assert_string_equal(e.msg, want);
    assert_int_equal(e.errnum, ENOENT);

    assert_int_equal(parse("{\"root\":{\"path\":\"afile\"}}", &r, &e), -1);
    snprintf(want, sizeof want, "rootfs %s/afile", bundle);
    assert_string_equal(e.msg, want);
    assert_int_equal(e.errnum, ENOTDIR);
}

static const struct {
    const char *json;
    const char *want;
} bad[] = {
    { "{}", "config.json: root: missing" },
    { "{\"root\":{}}", "config.json: root.path: missing" },
    { "{\"root\":{\"path\":\"\"}}", "config.json: root.path: empty" },
    { "{\"root\":{\"path\":\"rootfs\",\"readonly\":1}}",
      "config.json: root.readonly: expected true or false" },
    { "{" ROOT ",\"mounts\":{}}", "config.json: mounts: expected an array" },
    { "{" ROOT ",\"mounts\":[1]}", "config.json: mounts[0]: expected an object" },
    { "{" ROOT ",\"mounts\":[{\"destination\":\"/a\"},{\"type\":\"tmpfs\"}]}",
      "config.json: mounts[1].destination: missing" },
    { "{" ROOT ",\"mounts\":[{\"destination\":\"proc\"}]}",
      "config.json: mounts[0].destination: proc: not an absolute path" },
    { "{" ROOT ",\"mounts\":[{\"destination\":\"/a\",\"type\":7}]}",
      "config.json: mounts[0].type: expected a string" },
    { "{" ROOT ",\"mounts\":[{\"destination\":\"/a\",\"options\":[\"ro\",1]}]}",
      "config.json: mounts[0].options[1]: expected a string" },
    { "{" ROOT ",\"mounts\":[{\"destination\":\"/a\",\"options\":[\"\"]}]}",
      "config.json: mounts[0].options[0]: empty" },
    { "{" ROOT ",\"mounts\":[{\"destination\":\"/a\",\"source\":\"/b\","
      "\"options\":[\"rbind\",\"idmap\"]}]}",
      "config.json: mounts[0].options[1]: idmap: not supported" },
    { "{" ROOT ",\"mounts\":[{\"destination\":\"/a\",\"options\":[\"bind\"]}]}",
      "config.json: mounts[0].source: missing (a bind mount needs one)" },
    { "{" ROOT ",\"mounts\":[{\"destination\":\"/a\",\"type\":\"bind\"}]}",
      "config.json: mounts[0].source: missing (a bind mount needs one)" },
    { "{" ROOT ",\"linux\":[]}", "config.json: linux: expected an object" },
    { "{" ROOT ",\"linux\":{\"devices\":[\"x\"]}}",
      "config.json: linux.devices[0]: expected an object" },
    { "{" ROOT ",\"linux\":{\"devices\":[{\"type\":\"c\"}]}}",
      "config.json: linux.devices[0].path: missing" },
    { "{" ROOT ",\"linux\":{\"devices\":[{\"path\":\"dev/x\",\"type\":\"c\","
      "\"major\":1,\"minor\":3}]}}",
      "config.json: linux.devices[0].path: dev/x: not an absolute path to a "
      "file" },
    { "{" ROOT ",\"linux\":{\"devices\":[{\"path\":\"/dev/..\",\"type\":\"c\","
      "\"major\":1,\"minor\":3}]}}",
      "config.json: linux.devices[0].path: /dev/..: not an absolute path to a "
      "file" },
    { "{" ROOT ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"x\"}]}}",
      "config.json: linux.devices[0].type: x: expected c, b, u or p" },
    { "{" ROOT ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\","
      "\"minor\":3}]}}", "config.json: linux.devices[0].major: missing" },
    { "{" ROOT ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"b\","
      "\"major\":3}]}}", "config.json: linux.devices[0].minor: missing" },
    { "{" ROOT ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\","
      "\"major\":-1,\"minor\":3}]}}",
      "config.json: linux.devices[0].major: -1 out of range" },
    { "{" ROOT ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\","
      "\"major\":1,\"minor\":3,\"fileMode\":4096}]}}",
      "config.json: linux.devices[0].fileMode: 4096 out of range" },
    { "{" ROOT ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"p\","
      "\"uid\":\"0\"}]}}",
      "config.json: linux.devices[0].uid: expected an integer" },
    { "{" ROOT ",\"linux\":{\"maskedPaths\":[\"/a\",\"proc/kcore\"]}}",
      "config.json: linux.maskedPaths[1]: proc/kcore: not an absolute path" },
    { "{" ROOT ",\"linux\":{\"readonlyPaths\":[1]}}",
      "config.json: linux.readonlyPaths[0]: expected a string" },
    { "{" ROOT ",\"linux\":{\"rootfsPropagation\":\"bogus\"}}",
      "config.json: linux.rootfsPropagation: bogus: expected private, "
      "rprivate, slave, rslave, shared, rshared, unbindable or runbindable" },
};

static void test_bad_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct oci_rootfs *r = NULL;
        struct err e;
        if (parse(bad[i].json, &r, &e) != -1 ||
            strcmp(e.msg, bad[i].want)) {
            print_error("case %zu: %s\n  got: %s\n want: %s\n", i,
                        bad[i].json, e.msg, bad[i].want);
            fail();
        }
        assert_null(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_spec),
        cmocka_unit_test(test_minimal_and_absolute),
        cmocka_unit_test(test_missing_rootfs),
        cmocka_unit_test(test_bad_fields),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
