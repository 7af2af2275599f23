"""OCI runtime cgroups on a pure cgroup v2 host, for real. Every call of the
runtime goes through a wrapper that, in a private mount namespace, mounts
cgroup2 on /sys/fs/cgroup and then execs the runtime: on a hybrid host this
is the host's own cgroup2 hierarchy seen the way a unified host shows it,
and since cgroup2 is one hierarchy, every call (each in its own mount
namespace) sees the same tree. The test reads that tree where the host
mounts it (/sys/fs/cgroup/unified on a hybrid host).

Covers the container's cgroup (cgroupsPath and the default), the cgroup
namespace and cgroup mount, hugetlb limits and `update`, pause/resume
through cgroup.freeze, kill --all, ps, events --stats, the eBPF device
filter, a limit whose controller v2 does not offer here (create, run and
update fail naming it; nothing is left), and that delete removes
everything. $OCI_RUNTIME runs it against another runtime (crun is given
--cgroup-manager=cgroupfs)."""
import errno
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import oci_bundle
from oci_bundle import Oci, assert_mentions, wait_gone

MIB = 1 << 20
HUGEPAGES_2MB = Path("/sys/kernel/mm/hugepages/hugepages-2048kB")


def host_v2_root():
    """Where this host mounts its cgroup2 hierarchy (its root), or None."""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        dash = fields.index("-")
        if fields[dash + 1] == "cgroup2" and fields[3] == "/":
            return Path(fields[4].replace("\\040", " "))
    return None


V2 = host_v2_root()


def v2_controllers():
    return (V2 / "cgroup.controllers").read_text().split() if V2 else []


@pytest.fixture(scope="session")
def v2_wrapper(tmp_path_factory):
    """A script that runs the runtime under test on the pure-v2 view."""
    if os.geteuid() != 0:
        pytest.skip("the OCI runtime tests need root")
    if V2 is None:
        pytest.skip("this host mounts no cgroup2 hierarchy")
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is missing")
    prefix = oci_bundle.runtime_prefix()
    if Path(prefix[0]).name == "crun":
        prefix.append("--cgroup-manager=cgroupfs")
    script = tmp_path_factory.mktemp("v2view") / "runtime-on-v2"
    quoted = " ".join("'" + a.replace("'", "'\\''") + "'" for a in prefix)
    script.write_text(
        "#!/bin/sh\n"
        "exec unshare -m sh -c 'mount --make-rprivate / && "
        "mount -t cgroup2 none /sys/fs/cgroup && exec \"$@\"' "
        f"sh {quoted} \"$@\"\n")
    script.chmod(0o755)
    p = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=20)
    if p.returncode != 0:
        pytest.skip(f"cannot make the cgroup2 view here: {p.stderr.strip()}")
    return str(script)


def leftovers(ids):
    """Directories under the v2 root whose name holds one of ids."""
    found = []
    for top, dirs, _ in os.walk(V2):
        found += [os.path.join(top, d) for d in dirs if any(i in d for i in ids)]
    return found


@pytest.fixture
def oci2(oci_template, v2_wrapper):
    """Like the oci fixture, through the wrapper. After the test: every
    container deleted, and no container's cgroup left. A parent a test put
    in cgroupsPath (/cellatest-ID/leaf) is the caller's to remove, as with
    runc: it goes quietly."""
    o = Oci([v2_wrapper], oci_template)
    yield o
    problems = o.cleanup()
    for d in sorted(leftovers(o.ids), key=len, reverse=True):
        oci_bundle.remove_cgroup("/" + os.path.relpath(d, V2))
    assert not problems, "; ".join(problems)


def v2_dir(b):
    return V2 / b.cgroups_path.lstrip("/")


def own_v2_path(pid):
    """The v2 line of /proc/PID/cgroup: the process's cgroup path."""
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        if line.startswith("0::"):
            return line[3:]
    raise AssertionError(f"/proc/{pid}/cgroup has no cgroup2 line")


def procs(d):
    return [int(p) for p in (d / "cgroup.procs").read_text().split()]


def events(d):
    return dict(line.split() for line in (d / "cgroup.events").read_text().splitlines())


def test_cgroup_from_cgroups_path(oci2):
    b = oci2.bundle("sleep", "30")
    b.cgroups_path = b.linux["cgroupsPath"] = f"/cellatest-{b.id}/sub"
    st = oci2.start_container(b)
    d = v2_dir(b)
    assert d.is_dir(), f"no {d}"
    assert procs(d) == [st["pid"]], f"{d}/cgroup.procs does not hold just the init"
    assert own_v2_path(st["pid"]) == b.cgroups_path
    oci2.ok("delete", "--force", b.id)
    assert not d.exists(), f"delete left {d}"
    oci2.assert_no_state(b.id)


def test_default_cgroup_path(oci2):
    b = oci2.bundle("sleep", "30")
    del b.linux["cgroupsPath"]
    st = oci2.start_container(b)
    path = own_v2_path(st["pid"])
    b.cgroups_path = path
    assert path != "/" and b.id in path, f"the init is in {path}, not a cgroup of its own"
    d = V2 / path.lstrip("/")
    assert procs(d) == [st["pid"]]
    oci2.ok("delete", "--force", b.id)
    assert not d.exists(), f"delete left {d}"
    oci2.assert_no_state(b.id)


def test_cgroup_namespace_and_mount(oci2):
    b = oci2.bundle("sh", "-c", "cat /proc/self/cgroup; echo ---; "
                    "grep ' /sys/fs/cgroup ' /proc/self/mounts; echo ---; "
                    "cat /sys/fs/cgroup/cgroup.procs; echo ---; ls /sys/fs/cgroup")
    b.add_namespace("cgroup")
    b.cgroups_path = b.linux["cgroupsPath"] = f"/cellatest-{b.id}/inner"
    r = oci2.run(b)
    assert r.returncode == 0, r.explain()
    cgroup, mounts, procs_in, listing = (part.split("\n") for part in
                                         r.stdout.strip().split("\n---\n"))
    assert "0::/" in cgroup, f"want 0::/ in a cgroup namespace:\n{r.stdout}"
    assert len(mounts) == 1 and mounts[0].split()[2] == "cgroup2", \
        f"want one cgroup2 mount on /sys/fs/cgroup:\n{r.stdout}"
    assert "1" in procs_in, f"the mount's root is not the container's cgroup:\n{r.stdout}"
    assert "cgroup.controllers" in listing and not any("cellatest" in x for x in listing), \
        f"the mount shows more than the container's cgroup:\n{r.stdout}"
    oci2.assert_no_state(b.id)
    assert not v2_dir(b).exists()


def hugetlb_2mb():
    if "hugetlb" not in v2_controllers():
        pytest.skip(f"cgroup v2 here offers no hugetlb controller ({V2}/cgroup.controllers)")
    if not HUGEPAGES_2MB.is_dir():
        pytest.skip(f"no 2 MB huge pages on this kernel ({HUGEPAGES_2MB} is missing)")


def test_hugetlb_limit_and_update(oci2):
    hugetlb_2mb()
    b = oci2.bundle("sleep", "30")
    b.resources()["hugepageLimits"] = [{"pageSize": "2MB", "limit": 3 * 2 * MIB}]
    oci2.start_container(b)
    f = v2_dir(b) / "hugetlb.2MB.max"
    assert int(f.read_text()) == 3 * 2 * MIB
    res = oci2.tmp / "resources.json"
    res.write_text(json.dumps({"hugepageLimits": [{"pageSize": "2MB", "limit": 5 * 2 * MIB}]}))
    oci2.ok("update", "--resources", res, b.id)
    assert int(f.read_text()) == 5 * 2 * MIB


def test_pause_resume_freezes(oci2):
    b = oci2.bundle("sh", "-c", "while :; do date +%s%N > /tmp/tick; sleep 0.05; done")
    oci2.start_container(b)
    tick = b.rootfs / "tmp" / "tick"
    deadline = time.monotonic() + 10
    while not (tick.exists() and tick.stat().st_size):
        assert time.monotonic() < deadline, "the container never ticked"
        time.sleep(0.02)
    oci2.ok("pause", b.id)
    assert oci2.state(b.id)["status"] == "paused"
    assert events(v2_dir(b))["frozen"] == "1"
    assert (v2_dir(b) / "cgroup.freeze").read_text().strip() == "1"
    time.sleep(0.1)
    frozen = tick.read_text()
    time.sleep(0.3)
    assert tick.read_text() == frozen, "the container ran while paused"
    oci2.ok("resume", b.id)
    assert oci2.state(b.id)["status"] == "running"
    assert events(v2_dir(b))["frozen"] == "0"
    deadline = time.monotonic() + 5
    while tick.read_text() == frozen:
        assert time.monotonic() < deadline, "the container did not run after resume"
        time.sleep(0.05)


def test_ps_and_kill_all(oci2):
    b = oci2.bundle("sleep", "30")
    st = oci2.start_container(b)
    pidfile = oci2.tmp / "exec.pid"
    oci2.ok("exec", "--detach", "--pid-file", pidfile, b.id, "sleep", "30")
    extra = int(pidfile.read_text())
    assert sorted(procs(v2_dir(b))) == sorted([st["pid"], extra])
    r = oci2.ok("ps", "--format", "json", b.id)
    assert sorted(json.loads(r.stdout)) == sorted([st["pid"], extra]), r.explain()
    oci2.ok("kill", "--all", b.id, "KILL")
    assert wait_gone(st["pid"]) and wait_gone(extra)
    oci2.wait_status(b.id, "stopped")
    assert events(v2_dir(b))["populated"] == "0"
    oci2.ok("delete", b.id)
    assert not v2_dir(b).exists(), "delete left the cgroup"
    oci2.assert_no_state(b.id)


def test_device_filter(oci2):
    b = oci2.bundle("sh", "-c", "mknod /tmp/sda b 8 0 && cthelper open /tmp/sda; "
                    "cthelper open /dev/null")
    b.process["capabilities"] = {k: ["CAP_MKNOD"] for k in ("bounding", "effective", "permitted")}
    r = oci2.run(b)
    results = [line for line in r.lines() if line.startswith("errno=")]
    assert results == [f"errno={errno.EPERM}", "errno=0"], \
        f"want the device filter to deny a block device and allow /dev/null:\n{r.explain()}"


@pytest.mark.parametrize("controller, resources", [
    ("memory", {"memory": {"limit": 64 * MIB}}),
    ("pids", {"pids": {"limit": 20}}),
])
@pytest.mark.parametrize("command", ["create", "run"])
def test_missing_controller_fails_cleanly(oci2, controller, resources, command):
    if controller in v2_controllers():
        pytest.skip(f"cgroup v2 here offers {controller}: nothing is missing")
    b = oci2.bundle("true")
    b.cgroups_path = b.linux["cgroupsPath"] = f"/cellatest-{b.id}/leaf"
    b.resources().update(resources)
    if command == "create":
        r = oci2.create(b, check=False)
    else:
        r = oci2.run(b)
    assert r.returncode != 0, f"{command} succeeded without {controller}:\n{r.explain()}"
    assert_mentions(r, controller)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, f"want a one-line error:\n{r.explain()}"
    oci2.assert_no_state(b.id)
    assert leftovers([b.id]) == [], f"{command} left cgroups behind"


def test_events_stats_cpu_usage(oci2):
    # cpu.stat's usage_usec is in every v2 cgroup, cpu controller or not.
    b = oci2.bundle("sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; "
                    "echo done > /tmp/done; sleep 30")
    oci2.start_container(b)
    done = b.rootfs / "tmp" / "done"
    deadline = time.monotonic() + 10
    while not done.exists():
        assert time.monotonic() < deadline, "the container never finished its loop"
        time.sleep(0.02)

    def usage_ns():
        stat = dict(line.split() for line in (v2_dir(b) / "cpu.stat").read_text().splitlines())
        return int(stat["usage_usec"]) * 1000

    before = usage_ns()
    r = oci2.ok("events", "--stats", b.id)
    after = usage_ns()
    ev = json.loads(r.stdout.splitlines()[0])
    total = ev["data"]["cpu"]["usage"]["total"]
    assert ev["type"] == "stats" and 0 < before <= total <= after, \
        f"cpu usage {total} is not cpu.stat's ({before}..{after} ns):\n{r.explain()}"


def test_update_missing_controller_fails(oci2):
    if "memory" in v2_controllers():
        pytest.skip("cgroup v2 here offers memory: nothing is missing")
    b = oci2.bundle("sleep", "30")
    oci2.start_container(b)
    res = oci2.tmp / "resources.json"
    res.write_text(json.dumps({"memory": {"limit": 64 * MIB}}))
    r = oci2("update", "--resources", res, b.id)
    assert r.returncode != 0, f"update set a memory limit without memory:\n{r.explain()}"
    assert_mentions(r, "memory")
    assert oci2.state(b.id)["status"] == "running"
