"""OCI runtime cgroups: the container's cgroup (linux.cgroupsPath) and its
limits as the kernel sees them (memory, pids, cpu shares), `update`, and
that nothing is left once the container is deleted. Works on a hybrid (v1)
or unified (v2) host; a missing controller skips with the reason."""
import json

import pytest

from oci_bundle import assert_mentions, cgroup_dirs, cgroup_file, cgroup_v2, parse_kv

MIB = 1 << 20


def control_file(b, controller, v1_name, v2_name=None):
    f = cgroup_file(controller, b.cgroups_path, v1_name, v2_name)
    if f is None:
        pytest.skip(f"no {controller} cgroup controller on this host")
    return f


def memory_limit_file(b):
    return control_file(b, "memory", "memory.limit_in_bytes", "memory.max")


def test_process_is_in_its_cgroup(oci):
    b = oci.bundle("cthelper", "cgroup")
    r = oci.run(b)
    assert r.returncode == 0, r.explain()
    paths = {}
    for line in r.lines():
        _, ctrls, path = line.split(":", 2)
        for c in ctrls.split(",") if ctrls else [""]:
            paths[c] = path
    key = "" if cgroup_v2() else "memory"
    assert paths.get(key) == b.cgroups_path, f"not in {b.cgroups_path}:\n{r.stdout}"


def test_cgroup_removed_after_delete(oci):
    b = oci.bundle("sleep", "30")
    oci.start_container(b)
    assert cgroup_dirs(b.cgroups_path), "no cgroup was made"
    oci.ok("delete", "--force", b.id)
    oci.assert_no_state(b.id, b.cgroups_path)


def test_memory_limit_kills_hog(oci):
    b = oci.bundle("cthelper", "hog")
    b.resources()["memory"] = {"limit": 32 * MIB, "swap": 32 * MIB}
    r = oci.run(b, timeout=30)
    assert r.returncode == 128 + 9, f"want death by SIGKILL (137):\n{r.explain()}"
    reached = [int(v) for k, v in (line.split("=") for line in r.lines() if line.startswith("hog="))
               if v.isdigit()]
    assert reached and max(reached) < 32, r.explain()
    oci.assert_no_state(b.id, b.cgroups_path)


def test_memory_limit_file(oci):
    b = oci.bundle("sleep", "30")
    b.resources()["memory"] = {"limit": 64 * MIB}
    oci.start_container(b)
    assert int(memory_limit_file(b).read_text()) == 64 * MIB


def test_pids_limit_stops_fork_bomb(oci):
    b = oci.bundle("cthelper", "forkbomb", "50")
    b.resources()["pids"] = {"limit": 20}
    control_file(b, "pids", "pids.max")
    r = oci.run(b)
    kv = parse_kv(r.stdout)
    assert r.returncode == 0, r.explain()
    assert 0 < int(kv["forked"]) < 20 and int(kv["failed"]) > 30, r.explain()


def test_pids_limit_file(oci):
    b = oci.bundle("sleep", "30")
    b.resources()["pids"] = {"limit": 20}
    oci.start_container(b)
    assert control_file(b, "pids", "pids.max").read_text().strip() == "20"


def test_cpu_shares(oci):
    b = oci.bundle("sleep", "30")
    b.resources()["cpu"] = {"shares": 512}
    oci.start_container(b)
    if cgroup_v2():
        # runtime-spec's conversion to cpu.weight: 1 + (shares - 2) * 9999 / 262142
        want = 1 + ((512 - 2) * 9999) // 262142
        assert int(control_file(b, "cpu", "cpu.weight").read_text()) == want
    else:
        assert int(control_file(b, "cpu", "cpu.shares").read_text()) == 512


def test_cpu_quota(oci):
    b = oci.bundle("sleep", "30")
    b.resources()["cpu"] = {"quota": 50000, "period": 100000}
    oci.start_container(b)
    if cgroup_v2():
        assert control_file(b, "cpu", "cpu.max").read_text().split() == ["50000", "100000"]
    else:
        assert int(control_file(b, "cpu", "cpu.cfs_quota_us").read_text()) == 50000
        assert int(control_file(b, "cpu", "cpu.cfs_period_us").read_text()) == 100000


def test_update_resources(oci):
    b = oci.bundle("sleep", "30")
    b.resources()["memory"] = {"limit": 64 * MIB}
    b.resources()["pids"] = {"limit": 100}
    oci.start_container(b)
    f = memory_limit_file(b)
    res = oci.tmp / "resources.json"
    res.write_text(json.dumps({"memory": {"limit": 48 * MIB}, "pids": {"limit": 30}}))
    oci.ok("update", "--resources", res, b.id)
    assert int(f.read_text()) == 48 * MIB
    assert control_file(b, "pids", "pids.max").read_text().strip() == "30"
    assert oci.state(b.id)["status"] == "running"


def test_update_resources_from_stdin(oci):
    b = oci.bundle("sleep", "30")
    b.resources()["memory"] = {"limit": 64 * MIB}
    oci.start_container(b)
    oci.ok("update", "--resources", "-", b.id,
           input=json.dumps({"memory": {"limit": 40 * MIB}}).encode())
    assert int(memory_limit_file(b).read_text()) == 40 * MIB


def test_update_missing_container(oci):
    res = oci.tmp / "resources.json"
    res.write_text(json.dumps({"memory": {"limit": 48 * MIB}}))
    r = oci("update", "--resources", res, "nosuchcontainer")
    assert r.returncode != 0, r.explain()
    assert_mentions(r, "nosuchcontainer", "not exist")
