"""OCI runtime lifecycle: run, create/start/state, kill, delete, list, ps,
pause/resume, exec, hooks. Each test drives the runtime's runc-compatible
command line against a busybox + cthelper bundle (oci_bundle.py)."""
import json
import os
import time

import pytest

from oci_bundle import (assert_mentions, cgroup_dirs, cgroup_file, container_output, is_runc,
                        parse_kv, pid_alive, wait_gone)

# A container that runs until killed. As pid 1 of its namespace it ignores
# signals it has no handler for, so TERM and USR1 are trapped: they record
# themselves in /tmp/got (seen from the host in the rootfs) and end it.
TRAPPING = ("sh", "-c", "for s in TERM USR1 HUP; do trap \"echo $s > /tmp/got; exit 3\" $s; done; "
            "echo ready > /tmp/ready; while :; do sleep 0.1; done")


def started(oci, *args):
    b = oci.bundle(*(args or TRAPPING))
    oci.start_container(b)
    if not args:
        wait_file(b.rootfs / "tmp" / "ready")
    return b


def wait_file(path, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size > 0:
            return path.read_text()
        time.sleep(0.02)
    raise AssertionError(f"{path} never appeared")


def test_run_propagates_exit_status_and_stdout(oci):
    b = oci.bundle("sh", "-c", "echo hello; echo oops >&2; exit 7")
    r = oci.run(b)
    assert r.returncode == 7, r.explain()
    assert r.stdout.strip() == "hello", r.explain()
    assert "oops" in r.stderr, r.explain()
    oci.assert_no_state(b.id, b.cgroups_path)


def test_run_exit_zero_and_stdin(oci):
    b = oci.bundle("cat")
    r = oci.run(b, input=b"through stdin\n")
    assert r.returncode == 0, r.explain()
    assert r.stdout == "through stdin\n", r.explain()


def test_run_detached_then_delete(oci):
    b = oci.bundle("sleep", "30").write()
    b.out, b.err = oci.output_files(b.id)
    oci.ok("run", "--detach", "--bundle", b.path, b.id, stdout=b.out, stderr=b.err)
    st = oci.state(b.id)
    assert st["status"] == "running"
    oci.ok("delete", "--force", b.id)
    assert wait_gone(st["pid"])
    oci.assert_no_state(b.id, b.cgroups_path)


def test_create_start_state(oci):
    b = oci.bundle("cthelper", "sleep", "1", "pid")
    pidfile = oci.tmp / "create.pid"
    oci.create(b, "--pid-file", pidfile)
    st = oci.state(b.id)
    assert st["status"] == "created"
    assert int(pidfile.read_text()) == st["pid"]
    assert st["id"] == b.id
    assert st["ociVersion"]
    assert isinstance(st["pid"], int) and st["pid"] > 0 and pid_alive(st["pid"])
    assert os.path.realpath(st["bundle"]) == os.path.realpath(b.path)
    assert container_output(b.out) == "", "the process ran before start"
    oci.ok("start", b.id)
    assert oci.state(b.id)["status"] == "running"
    st = oci.wait_status(b.id, "stopped")
    assert parse_kv(container_output(b.out))["pid"] == "1"
    oci.ok("delete", b.id)
    r = oci("state", b.id)
    assert r.returncode != 0, r.explain()
    oci.assert_no_state(b.id, b.cgroups_path)


def test_state_has_annotations(oci):
    b = oci.bundle("true")
    b.config["annotations"] = {"org.cella.test": "yes"}
    oci.create(b)
    st = oci.state(b.id)
    assert st.get("annotations", {}).get("org.cella.test") == "yes", st


@pytest.mark.parametrize("sig,name", [("TERM", "TERM"), ("SIGUSR1", "USR1"), ("1", "HUP")])
def test_kill_trapped_signal(oci, sig, name):
    b = started(oci)
    oci.ok("kill", b.id, sig)
    assert wait_file(b.rootfs / "tmp" / "got").strip() == name
    oci.wait_status(b.id, "stopped")


@pytest.mark.parametrize("sig", ["KILL", "9", None])
def test_kill_stops_container(oci, sig):
    # With no signal, kill sends SIGTERM; trapped here, so it ends it too.
    b = started(oci)
    pid = oci.state(b.id)["pid"]
    oci.ok("kill", b.id, *([sig] if sig else []))
    oci.wait_status(b.id, "stopped")
    assert wait_gone(pid)
    oci.ok("delete", b.id)
    oci.assert_no_state(b.id, b.cgroups_path)


def test_kill_all(oci):
    b = started(oci)
    pidfile = oci.tmp / "exec.pid"
    oci.ok("exec", "--detach", "--pid-file", pidfile, b.id, "sleep", "30")
    extra = int(pidfile.read_text())
    init = oci.state(b.id)["pid"]
    oci.ok("kill", "--all", b.id, "KILL")
    assert wait_gone(init) and wait_gone(extra)
    oci.wait_status(b.id, "stopped")


def test_delete_running_needs_force(oci):
    b = started(oci, "sleep", "30")
    pid = oci.state(b.id)["pid"]
    r = oci("delete", b.id)
    assert r.returncode != 0, r.explain()
    assert oci.state(b.id)["status"] == "running"
    oci.ok("delete", "--force", b.id)
    assert wait_gone(pid)
    oci.assert_no_state(b.id, b.cgroups_path)


def test_delete_created(oci):
    b = oci.bundle("true")
    oci.create(b)
    pid = oci.state(b.id)["pid"]
    oci.ok("delete", b.id)
    assert wait_gone(pid)
    oci.assert_no_state(b.id, b.cgroups_path)


def test_delete_force_missing(oci):
    # runc exits 0 here (the container is as gone as asked); refusing with
    # a message that names it is as good.
    r = oci("delete", "--force", "nosuchcontainer")
    if r.returncode != 0:
        assert_mentions(r, "nosuchcontainer", "not exist")
    oci.assert_no_state()


def test_root_and_missing_parents_are_made(oci):
    # containerd's runc shim passes --root <runc root>/<namespace>, and
    # neither needs to exist yet: runc makes the whole path, each level 0700.
    top = oci.root
    oci.root = top / "runc" / "ns"
    b = started(oci, "sleep", "30")
    assert oci.state(b.id)["status"] == "running"
    assert (oci.root / b.id).is_dir()
    for d in (top, top / "runc", oci.root):
        assert d.stat().st_mode & 0o777 == 0o700, f"{d}: mode {d.stat().st_mode:o}"
    oci.ok("delete", "--force", b.id)
    assert oci.container_dirs() == []
    assert cgroup_dirs(b.cgroups_path) == []


def test_list(oci):
    a = started(oci, "sleep", "30")
    b = oci.bundle("true")
    oci.create(b)
    r = oci.ok("list")
    assert a.id in r.stdout and b.id in r.stdout, r.explain()
    r = oci.ok("list", "--format", "json")
    entries = {e["id"]: e for e in json.loads(r.stdout)}
    assert set(entries) == {a.id, b.id}
    assert entries[a.id]["status"] == "running" and entries[b.id]["status"] == "created"
    assert entries[a.id]["pid"] == oci.state(a.id)["pid"]
    assert os.path.realpath(entries[a.id]["bundle"]) == os.path.realpath(a.path)


def test_list_empty(oci):
    r = oci.ok("list", "--format", "json")
    # runc prints null for no containers; [] is as good.
    assert json.loads(r.stdout) in (None, []), r.explain()


def test_ps_json(oci):
    b = started(oci, "sleep", "30")
    pidfile = oci.tmp / "exec.pid"
    oci.ok("exec", "--detach", "--pid-file", pidfile, b.id, "sleep", "30")
    r = oci.ok("ps", "--format", "json", b.id)
    pids = json.loads(r.stdout)
    assert oci.state(b.id)["pid"] in pids and int(pidfile.read_text()) in pids, r.explain()


def test_pause_resume(oci):
    if cgroup_file("freezer", "/", "freezer.state", "cgroup.freeze") is None:
        pytest.skip("no freezer cgroup controller on this host")
    b = started(oci, "sh", "-c", "while :; do date +%s%N > /tmp/tick; sleep 0.05; done")
    wait_file(b.rootfs / "tmp" / "tick")
    oci.ok("pause", b.id)
    assert oci.state(b.id)["status"] == "paused"
    time.sleep(0.2)
    frozen = (b.rootfs / "tmp" / "tick").read_text()
    time.sleep(0.3)
    assert (b.rootfs / "tmp" / "tick").read_text() == frozen, "the container ran while paused"
    oci.ok("resume", b.id)
    assert oci.state(b.id)["status"] == "running"
    deadline = time.monotonic() + 5
    while (b.rootfs / "tmp" / "tick").read_text() == frozen:
        assert time.monotonic() < deadline, "the container did not run after resume"
        time.sleep(0.05)


def test_exec_args_and_status(oci):
    b = started(oci, "sleep", "30")
    r = oci.ok("exec", b.id, "cthelper", "pid", "hostname")
    kv = parse_kv(r.stdout)
    assert kv["hostname"] == "cellatest" and kv["pid"] != "1", r.explain()
    r = oci("exec", b.id, "cthelper", "exit", "5")
    assert r.returncode == 5, r.explain()


def test_exec_env_cwd_user(oci):
    b = started(oci, "sleep", "30")
    r = oci.ok("exec", "--env", "FOO=bar", "--cwd", "/tmp", "--user", "1000:1000", b.id,
               "cthelper", "env", "cwd", "id")
    kv = parse_kv(r.stdout)
    assert kv["FOO"] == "bar" and kv["cwd"] == "/tmp", r.explain()
    assert kv["uid"] == "1000" and kv["gid"] == "1000", r.explain()
    assert "PATH" in kv, "exec dropped the config's env"


def test_exec_process_file(oci):
    b = started(oci, "sleep", "30")
    proc = dict(b.process, args=["cthelper", "cwd", "env", "id"], cwd="/dev",
                env=["PATH=/bin", "FROMFILE=1"], user={"uid": 65534, "gid": 65534})
    path = oci.tmp / "process.json"
    path.write_text(json.dumps(proc))
    r = oci.ok("exec", "--process", path, b.id)
    kv = parse_kv(r.stdout)
    assert kv["cwd"] == "/dev" and kv["FROMFILE"] == "1" and kv["uid"] == "65534", r.explain()


def test_exec_detach_pid_file(oci):
    b = started(oci, "sleep", "30")
    pidfile = oci.tmp / "exec.pid"
    out, err = oci.output_files("exec")
    oci.ok("exec", "--detach", "--pid-file", pidfile, b.id, "cthelper", "sleep", "30",
           stdout=out, stderr=err)
    pid = int(pidfile.read_text())
    assert pid_alive(pid)
    assert os.readlink(f"/proc/{pid}/ns/pid") == os.readlink(f"/proc/{oci.state(b.id)['pid']}/ns/pid")
    out.close()
    err.close()


def test_exec_in_stopped_container_fails(oci):
    b = oci.bundle("true")
    oci.start_container(b)
    oci.wait_status(b.id, "stopped")
    r = oci("exec", b.id, "true")
    assert r.returncode != 0, r.explain()


def test_hooks(oci):
    b = oci.bundle("sh", "-c", "echo ran > /tmp/ran; sleep 30")
    marks = oci.tmp / "marks"
    marks.mkdir()
    for kind in ("prestart", "poststart", "poststop"):
        b.add_hook(kind, ["/bin/sh", "-c", f'cat > {marks}/{kind}.json; echo "$HOOKVAR" > {marks}/{kind}.env'],
                   env=[f"HOOKVAR={kind}-env"])
    oci.create(b)
    pre = json.loads(wait_file(marks / "prestart.json"))
    assert pre["id"] == b.id and pre["pid"] > 0 and pre["bundle"], pre
    assert (marks / "prestart.env").read_text().strip() == "prestart-env"
    # The spec runs poststart after the process starts; runc before 1.4 ran
    # it in create, so only "done by the time start returns" is asserted.
    oci.ok("start", b.id)
    post = json.loads(wait_file(marks / "poststart.json"))
    assert post["id"] == b.id
    assert not (marks / "poststop.json").exists(), "poststop ran before delete"
    oci.ok("delete", "--force", b.id)
    stop = json.loads(wait_file(marks / "poststop.json"))
    assert stop["id"] == b.id
    oci.assert_no_state(b.id, b.cgroups_path)


def test_start_container_hook_in_the_container(oci):
    """startContainer runs in the container after the root changed, before
    the process: its state still names the owner and the container."""
    b = oci.bundle("cat", "/tmp/start.json")
    b.add_hook("startContainer", ["/bin/sh", "-c", "cat > /tmp/start.json"])
    r = oci.run(b)
    assert r.returncode == 0, r.explain()
    st = json.loads(r.stdout)
    assert st["id"] == b.id and st["pid"] > 0, st
    if not is_runc(oci.prefix):  # runc's hook state has no owner
        assert st["owner"] == "root", st


def test_failing_prestart_hook_fails_create(oci):
    b = oci.bundle("true")
    b.add_hook("prestart", ["/bin/sh", "-c", "exit 3"])
    r = oci.create(b, check=False)
    assert r.returncode != 0, r.explain()
    oci.assert_no_state(b.id, b.cgroups_path)


def test_spec_writes_a_runnable_config(oci):
    b = oci.bundle()
    oci.ok("spec", "--bundle", b.path)
    config = json.loads((b.path / "config.json").read_text())
    assert config["ociVersion"].startswith("1.") and config["root"]["path"] == "rootfs"
    assert {"pid", "mount"} <= {n["type"] for n in config["linux"]["namespaces"]}
    config["process"].update(terminal=False, args=["cthelper", "pid"])
    config["root"]["readonly"] = False
    config["linux"]["cgroupsPath"] = b.cgroups_path
    (b.path / "config.json").write_text(json.dumps(config))
    r = oci("run", "--bundle", b.path, b.id)
    assert r.returncode == 0 and "pid=1" in r.lines(), r.explain()
    r = oci("spec", "--bundle", b.path)
    assert r.returncode != 0, "spec overwrote an existing config.json"
    assert_mentions(r, "config.json")
