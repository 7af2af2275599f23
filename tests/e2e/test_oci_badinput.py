"""Bad input to the OCI runtime: broken config.json, a missing rootfs, bad
container IDs, unknown signals, containers that do not exist, operations in
the wrong state. Each must fail with a non-zero exit and a one-line message,
leave nothing in --root nor any cgroup, and leave other containers alone.
Messages are checked only for a keyword runc also prints (the field, file
or ID at fault), so runc and cella both pass."""
import json

import pytest

from oci_bundle import assert_mentions, is_runc


def assert_failed_cleanly(oci, r, b=None):
    assert r.returncode != 0, r.explain()
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"want one line on stderr:\n{r.explain()}"
    oci.assert_no_state(b.id if b else None, b.cgroups_path if b else None)
    if b:
        assert oci.container_dirs() == [], f"the runtime left {oci.container_dirs()}"


def _set(path, value):
    def change(config):
        *parents, last = path
        node = config
        for p in parents:
            node = node[p]
        node[last] = value
    return change


# (test id, change to the config dict, keywords one of which the message names)
BAD_CONFIGS = [
    ("args-not-a-list", _set(("process", "args"), "sh"), ["args", "config", "json", "unmarshal"]),
    ("args-empty", _set(("process", "args"), []), ["args"]),
    ("uid-a-string", _set(("process", "user", "uid"), "root"), ["uid", "config", "json"]),
    ("process-a-number", _set(("process",), 7), ["process", "config", "json"]),
    ("missing-rootfs", _set(("root", "path"), "nosuchrootfs"), ["rootfs", "nosuchrootfs"]),
    ("root-missing", lambda c: c.pop("root"), ["root"]),
    ("bad-namespace", lambda c: c["linux"]["namespaces"].append({"type": "bogus"}),
     ["namespace", "bogus"]),
    ("bad-rlimit", _set(("process", "rlimits"), [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]),
     ["rlimit", "bogus"]),
    ("bad-seccomp-action", _set(("linux", "seccomp"), {"defaultAction": "SCMP_ACT_BOGUS"}),
     ["seccomp", "action"]),
    ("no-such-executable", _set(("process", "args"), ["/no/such/program"]),
     ["/no/such/program", "executable", "no such file"]),
    ("bind-source-missing", lambda c: c["mounts"].append(
        {"destination": "/mnt", "type": "bind", "source": "/no/such/dir", "options": ["bind"]}),
     ["/no/such/dir", "mount"]),
    ("relative-cwd", _set(("process", "cwd"), "tmp"), ["cwd", "absolute"]),
]


@pytest.mark.parametrize("command", ["create", "run"])
@pytest.mark.parametrize("name,change,keywords", BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config(oci, command, name, change, keywords):
    b = oci.bundle("true")
    change(b.config)
    if command == "create":
        r = oci.create(b, check=False)
    else:
        r = oci.run(b)
    assert_failed_cleanly(oci, r, b)
    assert_mentions(r, *keywords)


def test_unknown_capability(oci):
    # Refused with the name, or (runc) run with a warning that names it.
    b = oci.bundle("true")
    b.process["capabilities"] = {"bounding": ["CAP_BOGUS"]}
    r = oci.create(b, check=False)
    assert_mentions(r, "CAP_BOGUS")
    if r.returncode != 0:
        assert_failed_cleanly(oci, r, b)


@pytest.mark.parametrize("text", ["{not json", "", "[]", "null", '{"ociVersion": 1.0}'])
def test_config_not_json_object(oci, text):
    if text == "null" and is_runc(oci.prefix):
        pytest.skip("runc 1.1 crashes (nil pointer) on a config.json of null")
    b = oci.bundle("true")
    b.write()
    (b.path / "config.json").write_text(text)
    r = oci("create", "--bundle", b.path, b.id)
    assert_failed_cleanly(oci, r, b)
    assert_mentions(r, "config", "json", "unmarshal", "invalid", "unexpected", "eof")


def test_config_missing(oci):
    b = oci.bundle("true")
    r = oci("create", "--bundle", b.path, b.id)
    assert_failed_cleanly(oci, r, b)
    assert_mentions(r, "config.json")


def test_bundle_missing(oci):
    r = oci("create", "--bundle", oci.tmp / "nosuchbundle", "x1")
    assert_failed_cleanly(oci, r)
    assert_mentions(r, "nosuchbundle", "config.json")


@pytest.mark.parametrize("cid", ["../x", "", "x" * 1000, "a/b", "..", " x", "x\ny"],
                         ids=["dotdot-slash", "empty", "1000-chars", "slash", "dotdot", "space",
                              "newline"])
def test_bad_container_id(oci, cid):
    b = oci.bundle("true").write()
    r = oci("create", "--bundle", b.path, cid)
    assert_failed_cleanly(oci, r)
    assert oci.cgroup_leftovers() == []


def test_unknown_signal(oci):
    b = oci.bundle("sleep", "30")
    oci.start_container(b)
    for sig in ("SIGBOGUS", "BOGUS", "999", "-1"):
        r = oci("kill", b.id, sig)
        assert r.returncode != 0, r.explain()
        assert_mentions(r, "signal", sig.lstrip("-"))
    assert oci.state(b.id)["status"] == "running"


@pytest.mark.parametrize("args", [["state"], ["start"], ["kill"], ["kill", "KILL"], ["delete"],
                                  ["pause"], ["resume"], ["ps"], ["exec", "@", "true"], ["events", "--stats"]],
                         ids=lambda a: "-".join(a).replace("@", "id"))
def test_missing_container(oci, args):
    args = [a if a != "@" else "nosuchcontainer" for a in args]
    if "nosuchcontainer" not in args:
        args.append("nosuchcontainer")
    r = oci(*args)
    assert_failed_cleanly(oci, r)
    assert_mentions(r, "nosuchcontainer", "not exist")


def test_second_start(oci):
    b = oci.bundle("sleep", "30")
    oci.start_container(b)
    r = oci("start", b.id)
    assert r.returncode != 0, r.explain()
    assert oci.state(b.id)["status"] == "running"


def test_start_stopped(oci):
    b = oci.bundle("true")
    oci.start_container(b)
    oci.wait_status(b.id, "stopped")
    r = oci("start", b.id)
    assert r.returncode != 0, r.explain()
    assert oci.state(b.id)["status"] == "stopped"


def test_duplicate_id(oci):
    a = oci.bundle("sleep", "30")
    pid = oci.start_container(a)["pid"]
    b = oci.bundle("true", container_id=a.id)
    r = oci.create(b, check=False)
    assert r.returncode != 0, r.explain()
    assert_mentions(r, a.id, "exist")
    st = oci.state(a.id)
    assert st["status"] == "running" and st["pid"] == pid


def test_unknown_option(oci):
    r = oci("create", "--no-such-option", "x1")
    assert r.returncode != 0, r.explain()
    oci.assert_no_state()


def test_exec_without_command(oci):
    b = oci.bundle("sleep", "30")
    oci.start_container(b)
    r = oci("exec", b.id)
    assert r.returncode != 0, r.explain()


def test_exec_bad_process_file(oci):
    b = oci.bundle("sleep", "30")
    oci.start_container(b)
    path = oci.tmp / "process.json"
    for text in ("{broken", json.dumps({"args": "not-a-list", "cwd": "/"})):
        path.write_text(text)
        r = oci("exec", "--process", path, b.id)
        assert r.returncode != 0, r.explain()
    assert oci.state(b.id)["status"] == "running"
