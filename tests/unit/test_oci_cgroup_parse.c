/* Unit tests of the parts of the cgroup module that touch nothing:
 * linux.resources parsing (good input, and bad input named by field),
 * mountinfo and /proc/self/cgroup reading, systemd slice paths, and the
 * default device rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "oci/cgroup/internal.h"

static struct cg_resources *parse_ok(const char *json)
{
    json_object *o = json_tokener_parse(json);
    assert_non_null(o);
    struct cg_resources *r = NULL;
    struct err e = {0};
    int rc = cg_resources_parse(o, "linux.resources", &r, &e);
    if (rc < 0)
        print_error("unexpected error: %s\n", e.msg);
    assert_int_equal(rc, 0);
    json_object_put(o);
    return r;
}

/* Parsing json fails with a message that contains want. */
static void parse_bad(const char *json, const char *want)
{
    json_object *o = json_tokener_parse(json);
    assert_non_null(o);
    struct cg_resources *r = NULL;
    struct err e = {0};
    assert_int_equal(cg_resources_parse(o, "linux.resources", &r, &e), -1);
    assert_null(r);
    if (!strstr(e.msg, want))
        print_error("message \"%s\" lacks \"%s\"\n", e.msg, want);
    assert_non_null(strstr(e.msg, want));
    json_object_put(o);
}

static void test_parse_full(void **state)
{
    (void)state;
    struct cg_resources *r = parse_ok(
        "{\"memory\": {\"limit\": 33554432, \"reservation\": 16777216,"
        "  \"swap\": 67108864, \"kernel\": -1, \"swappiness\": 10,"
        "  \"disableOOMKiller\": true},"
        " \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000,"
        "  \"realtimeRuntime\": 950000, \"realtimePeriod\": 1000000,"
        "  \"cpus\": \"0-3,5\", \"mems\": \"0\", \"idle\": 1},"
        " \"pids\": {\"limit\": 20},"
        " \"blockIO\": {\"weight\": 500, \"leafWeight\": 300,"
        "  \"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 600}],"
        "  \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0,"
        "   \"rate\": 1048576}],"
        "  \"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 16,"
        "   \"rate\": 100}]},"
        " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 4194304}],"
        " \"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
        "  {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3,"
        "   \"access\": \"rw\"}],"
        " \"unified\": {\"memory.high\": \"30M\"}}");
    assert_true(r->has_mem_limit);
    assert_int_equal(r->mem_limit, 33554432);
    assert_int_equal(r->mem_reservation, 16777216);
    assert_int_equal(r->mem_swap, 67108864);
    assert_int_equal(r->swappiness, 10);
    assert_true(r->oom_kill_disable);
    assert_int_equal(r->cpu_shares, 512);
    assert_int_equal(r->cpu_quota, 50000);
    assert_int_equal(r->cpu_period, 100000);
    assert_int_equal(r->rt_runtime, 950000);
    assert_string_equal(r->cpus, "0-3,5");
    assert_string_equal(r->mems, "0");
    assert_true(r->has_cpu_idle);
    assert_int_equal(r->pids_limit, 20);
    assert_int_equal(r->blkio_weight, 500);
    assert_int_equal(r->n_weight_devs, 1);
    assert_int_equal(r->weight_devs[0].weight, 600);
    assert_int_equal(r->n_throttle[CG_THROTTLE_READ_BPS], 1);
    assert_int_equal(r->throttle[CG_THROTTLE_READ_BPS][0].rate, 1048576);
    assert_int_equal(r->throttle[CG_THROTTLE_WRITE_IOPS][0].minor, 16);
    assert_int_equal(r->n_hugepages, 1);
    assert_string_equal(r->hugepages[0].size, "2MB");
    assert_true(r->has_devices);
    assert_int_equal(r->n_devices, 2);
    assert_false(r->devices[0].allow);
    assert_int_equal(r->devices[0].type, 'a');
    assert_int_equal(r->devices[0].major, CG_ANY);
    assert_int_equal(r->devices[0].access, CG_ACC_ALL);
    assert_int_equal(r->devices[1].type, 'c');
    assert_int_equal(r->devices[1].access, CG_ACC_READ | CG_ACC_WRITE);
    assert_int_equal(r->n_unified, 1);
    assert_string_equal(r->unified[0].key, "memory.high");
    assert_string_equal(r->unified[0].value, "30M");
    assert_true(cg_resources_want(r, "memory"));
    assert_true(cg_resources_want(r, "io"));
    assert_true(cg_resources_want(r, "hugetlb"));
    cg_resources_free(r);
}

static void test_parse_empty(void **state)
{
    (void)state;
    struct cg_resources *r = parse_ok("{\"memory\": {\"limit\": 0},"
                                      " \"cpu\": {\"cpus\": \"\"}}");
    assert_false(r->has_mem_limit);
    assert_null(r->cpus);
    assert_false(r->has_devices);
    assert_false(cg_resources_want(r, "memory"));
    assert_false(cg_resources_want(r, "cpuset"));
    cg_resources_free(r);
}

static void test_parse_bad(void **state)
{
    (void)state;
    parse_bad("[]", "linux.resources: expected an object");
    parse_bad("{\"memory\": []}", "linux.resources.memory: expected an object");
    parse_bad("{\"memory\": {\"limit\": \"1k\"}}",
              "linux.resources.memory.limit: expected an integer");
    parse_bad("{\"memory\": {\"limit\": -5}}",
              "linux.resources.memory.limit: -5 out of range");
    parse_bad("{\"memory\": {\"limit\": 1000, \"swap\": 10}}",
              "linux.resources.memory.swap: 10 is less than");
    parse_bad("{\"memory\": {\"swappiness\": 101}}",
              "linux.resources.memory.swappiness: 101 out of range");
    parse_bad("{\"memory\": {\"disableOOMKiller\": 1}}",
              "memory.disableOOMKiller: expected true or false");
    parse_bad("{\"cpu\": {\"shares\": 1}}",
              "linux.resources.cpu.shares: 1 out of range");
    parse_bad("{\"cpu\": {\"quota\": 5}}", "linux.resources.cpu.quota: 5");
    parse_bad("{\"cpu\": {\"period\": 10}}", "linux.resources.cpu.period");
    parse_bad("{\"cpu\": {\"cpus\": \"0-\"}}",
              "linux.resources.cpu.cpus: \"0-\" is not a list");
    parse_bad("{\"cpu\": {\"mems\": \"a\"}}", "linux.resources.cpu.mems");
    parse_bad("{\"cpu\": {\"idle\": 2}}", "linux.resources.cpu.idle");
    parse_bad("{\"pids\": {\"limit\": 1.5}}",
              "linux.resources.pids.limit: expected an integer");
    parse_bad("{\"blockIO\": {\"weight\": 5}}",
              "linux.resources.blockIO.weight: 5 out of range");
    parse_bad("{\"blockIO\": {\"weightDevice\": [{\"major\": 8}]}}",
              "linux.resources.blockIO.weightDevice[0].minor: missing");
    parse_bad("{\"blockIO\": {\"throttleReadBpsDevice\": [1]}}",
              "linux.resources.blockIO.throttleReadBpsDevice[0]: expected an "
              "object");
    parse_bad("{\"blockIO\": {\"throttleWriteBpsDevice\":"
              " [{\"major\": 8, \"minor\": 0}]}}",
              "throttleWriteBpsDevice[0].rate: missing");
    parse_bad("{\"hugepageLimits\": [{\"pageSize\": \"2M\", \"limit\": 1}]}",
              "linux.resources.hugepageLimits[0].pageSize: \"2M\"");
    parse_bad("{\"hugepageLimits\": [{\"pageSize\": \"2MB\"}]}",
              "linux.resources.hugepageLimits[0].limit: missing");
    parse_bad("{\"devices\": [{\"access\": \"rwm\"}]}",
              "linux.resources.devices[0].allow: missing");
    parse_bad("{\"devices\": [{\"allow\": true}, {\"allow\": true,"
              " \"type\": \"x\"}]}",
              "linux.resources.devices[1].type: \"x\" is not a, b or c");
    parse_bad("{\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}",
              "linux.resources.devices[0].access: \"rwx\"");
    parse_bad("{\"devices\": [{\"allow\": true, \"major\": -2}]}",
              "linux.resources.devices[0].major: -2 out of range");
    parse_bad("{\"unified\": {\"memory.high\": 5}}",
              "linux.resources.unified.memory.high: expected a string");
    parse_bad("{\"unified\": {\"../x\": \"1\"}}",
              "linux.resources.unified.../x: not a cgroup file name");
}

static void test_device_rules(void **state)
{
    (void)state;
    struct cg_dev_rule *v;
    size_t n;
    assert_int_equal(cg_device_rules(NULL, &v, &n, NULL), 0);
    assert_true(n > 8);
    assert_false(v[0].allow);
    assert_int_equal(v[0].type, 'a');
    assert_true(v[1].allow);
    assert_int_equal(v[1].major, 1);
    assert_int_equal(v[1].minor, 3);
    free(v);
    struct cg_resources *r = parse_ok(
        "{\"devices\": [{\"allow\": false, \"type\": \"c\", \"major\": 1,"
        " \"minor\": 5}]}");
    assert_int_equal(cg_device_rules(r, &v, &n, NULL), 0);
    assert_false(v[1].allow);
    assert_int_equal(v[1].minor, 5);
    assert_true(v[n - 1].allow);
    free(v);
    cg_resources_free(r);
}

static const char hybrid_joint[] =
    "22 1 0:20 / /sys rw - sysfs sysfs rw\n"
    "31 22 0:28 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup "
    "cgroup rw,cpu,cpuacct\n"
    "33 31 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "34 31 0:31 / /sys/fs/cgroup/systemd rw - cgroup cgroup "
    "rw,xattr,name=systemd\n"
    "35 31 0:32 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 "
    "rw,nsdelegate\n"
    "36 31 0:30 / /mnt/memory\\040again rw - cgroup cgroup rw,memory\n"
    "37 31 0:33 /sub /mnt/ro ro - cgroup cgroup rw,pids\n";

static void test_mountinfo_hybrid(void **state)
{
    (void)state;
    struct cg_hier *h;
    size_t n;
    assert_int_equal(cg_hiers_parse(hybrid_joint, &h, &n, NULL), 0);
    assert_int_equal(n, 4);
    assert_string_equal(h[0].mount, "/sys/fs/cgroup/cpu,cpuacct");
    assert_string_equal(h[0].ctrls, "cpu,cpuacct");
    assert_true(cg_hier_has(&h[0], "cpu"));
    assert_true(cg_hier_has(&h[0], "cpuacct"));
    assert_false(cg_hier_has(&h[0], "cpuset"));
    assert_string_equal(h[2].ctrls, "name=systemd");
    assert_int_equal(h[3].version, 2);
    assert_int_equal(cg_hiers_mode(h, n), CG_MODE_HYBRID);
    cg_hiers_free(h, n);
}

static void test_mountinfo_modes(void **state)
{
    (void)state;
    struct cg_hier *h;
    size_t n;
    assert_int_equal(cg_hiers_parse("30 1 0:26 / /sys/fs/cgroup rw - cgroup2 "
                                    "cgroup2 rw,nsdelegate\n",
                                    &h, &n, NULL),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(cg_hiers_mode(h, n), CG_MODE_V2);
    cg_hiers_free(h, n);
    assert_int_equal(cg_hiers_parse("32 31 0:29 / /c/cpu rw - cgroup cgroup "
                                    "rw,cpu\n33 31 0:40 / /c/systemd rw - "
                                    "cgroup cgroup rw,name=systemd\n",
                                    &h, &n, NULL),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(cg_hiers_mode(h, n), CG_MODE_V1);
    cg_hiers_free(h, n);
}

/* A hybrid host's mounts with cgroup2 mounted over /sys/fs/cgroup (the
 * pure-v2 view the e2e tests make): the v1 mounts and the first cgroup2
 * mount are out of reach under it; the cgroup2 on top is the one. */
static const char v2_over_hybrid[] =
    "46 43 0:22 / /sys rw - sysfs sysfs rw\n"
    "47 46 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
    "48 47 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
    "51 47 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "56 47 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup "
    "rw,name=systemd\n"
    "57 47 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
    "60 46 0:40 / /sys/kernel/tracing rw - tracefs tracefs rw\n"
    "63 47 0:38 / /sys/fs/cgroup rw - cgroup2 none rw\n"
    "64 63 0:50 / /sys/fs/cgroup/x rw - cgroup cgroup rw,pids\n";

static void test_mountinfo_covered(void **state)
{
    (void)state;
    struct cg_hier *h;
    size_t n;
    assert_int_equal(cg_hiers_parse(v2_over_hybrid, &h, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_int_equal(h[0].version, 2);
    assert_string_equal(h[0].mount, "/sys/fs/cgroup");
    /* A mount made on the cgroup2 one is in reach. */
    assert_string_equal(h[1].mount, "/sys/fs/cgroup/x");
    cg_hiers_free(h, n);
    /* Without the last two lines it is the hybrid host again. */
    char *hybrid = strndup(v2_over_hybrid,
                           strstr(v2_over_hybrid, "63 47") - v2_over_hybrid);
    assert_non_null(hybrid);
    assert_int_equal(cg_hiers_parse(hybrid, &h, &n, NULL), 0);
    assert_int_equal(n, 4);
    assert_string_equal(h[3].mount, "/sys/fs/cgroup/unified");
    assert_int_equal(cg_hiers_mode(h, n), CG_MODE_HYBRID);
    cg_hiers_free(h, n);
    free(hybrid);
}

static void test_own_path(void **state)
{
    (void)state;
    static const char proc[] = "9:name=systemd:/user.slice\n"
                               "4:memory:/a/b\n"
                               "2:cpu,cpuacct:/c\n"
                               "0::/unified/x\n";
    struct cg_hier *h;
    size_t n;
    char *p;
    assert_int_equal(cg_hiers_parse(hybrid_joint, &h, &n, NULL), 0);
    assert_int_equal(cg_own_path(proc, &h[0], &p, NULL), 0);
    assert_string_equal(p, "/c");
    free(p);
    assert_int_equal(cg_own_path(proc, &h[1], &p, NULL), 0);
    assert_string_equal(p, "/a/b");
    free(p);
    assert_int_equal(cg_own_path(proc, &h[2], &p, NULL), 0);
    assert_string_equal(p, "/user.slice");
    free(p);
    assert_int_equal(cg_own_path(proc, &h[3], &p, NULL), 0);
    assert_string_equal(p, "/unified/x");
    free(p);
    struct err e;
    assert_int_equal(cg_own_path("4:memory:/a\n", &h[0], &p, &e), -1);
    assert_non_null(strstr(e.msg, "/sys/fs/cgroup/cpu,cpuacct"));
    cg_hiers_free(h, n);
}

static void systemd_ok(const char *spec, const char *want)
{
    char *p = NULL;
    struct err e = {0};
    if (cg_systemd_path(spec, &p, &e) < 0)
        print_error("%s: %s\n", spec, e.msg);
    assert_non_null(p);
    assert_string_equal(p, want);
    free(p);
}

static void test_systemd_paths(void **state)
{
    (void)state;
    systemd_ok("system.slice:cella:abc", "/system.slice/cella-abc.scope");
    systemd_ok("a-b-c.slice:p:n", "/a.slice/a-b.slice/a-b-c.slice/p-n.scope");
    systemd_ok(":cella:x", "/system.slice/cella-x.scope");
    systemd_ok("-.slice:p:n", "/p-n.scope");
    systemd_ok("user.slice::n", "/user.slice/n.scope");
    static const char *const bad[] = {"nocolons", "a.slice:p", "a.slice:p:",
                                      "a--b.slice:p:n", "-a.slice:p:n",
                                      "a.slice:p:n:x", "a:p:n",
                                      "a.slice:p:x/y", NULL};
    for (int i = 0; bad[i]; i++) {
        char *p = NULL;
        struct err e;
        if (cg_systemd_path(bad[i], &p, &e) == 0)
            print_error("%s was accepted as %s\n", bad[i], p);
        assert_null(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_full),
        cmocka_unit_test(test_parse_empty),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_device_rules),
        cmocka_unit_test(test_mountinfo_hybrid),
        cmocka_unit_test(test_mountinfo_modes),
        cmocka_unit_test(test_mountinfo_covered),
        cmocka_unit_test(test_own_path),
        cmocka_unit_test(test_systemd_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
