"""Where runc and crun agree and a container must behave the same under
Cella: unknown capability names, HOME, hooks' environment, a missing cwd
under a read-only root, the uts sysctls, bind sources a user namespace
cannot reach, pids.limit 0, and setup errors that keep their cause.

Each test says whether it also passes with runc (OCI_RUNTIME=/usr/sbin/runc,
Debian's runc 1.1)."""
import json
import os

import pytest

from oci_bundle import assert_mentions, cgroup_file, parse_kv


def env_of(r):
    return dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)


# --- capabilities ----------------------------------------------------------

# Passes with runc too (it warns "ignoring unknown or unavailable capabilities").
def test_unknown_capability_names_are_skipped_with_a_warning(oci):
    b = oci.bundle("cthelper", "caps")
    caps = b.process["capabilities"]
    for s in ("bounding", "effective", "permitted"):
        caps[s] = ["CAP_KILL", "CAP_FROM_THE_FUTURE"]
    r = oci.run(b)
    assert r.returncode == 0, r.explain()
    assert "CAP_FROM_THE_FUTURE" in r.stderr, r.explain()
    kv = parse_kv(r.stdout)
    assert int(kv["CapEff"], 16) == 1 << 5, r.explain()    # CAP_KILL alone


# Passes with runc too.
def test_exec_cap_unknown_name_is_skipped(oci):
    b = oci.bundle("sleep", "30")
    oci.start_container(b)
    r = oci("exec", "--cap", "CAP_NO_SUCH_THING", "--cap", "CAP_CHOWN", b.id,
            "cthelper", "caps")
    assert r.returncode == 0, r.explain()
    assert "CAP_NO_SUCH_THING" in r.stderr, r.explain()
    assert int(parse_kv(r.stdout)["CapEff"], 16) & 1, "CAP_CHOWN was not granted"


# --- HOME --------------------------------------------------------------------

# The template's /etc/passwd: root's home is /root, user 1000's is /tmp, and
# uid 4242 has no entry. Passes with runc too.
@pytest.mark.parametrize("uid,home", [(0, "/root"), (1000, "/tmp"), (4242, "/")])
def test_home_from_the_containers_passwd(oci, uid, home):
    b = oci.bundle("cthelper", "env")
    b.process["user"] = {"uid": uid, "gid": uid}
    r = oci.run(b)
    assert r.returncode == 0, r.explain()
    assert env_of(r).get("HOME") == home, r.explain()


# Passes with runc too.
def test_home_given_is_kept(oci):
    b = oci.bundle("cthelper", "env")
    b.process["env"].append("HOME=/elsewhere")
    r = oci.run(b)
    assert env_of(r).get("HOME") == "/elsewhere", r.explain()


# Passes with runc too.
def test_exec_gets_home_for_its_user(oci):
    b = oci.bundle("sleep", "30")
    oci.start_container(b)
    r = oci.ok("exec", b.id, "cthelper", "env")
    assert env_of(r).get("HOME") == "/root", r.explain()
    r = oci.ok("exec", "--user", "1000:1000", b.id, "cthelper", "env")
    assert env_of(r).get("HOME") == "/tmp", r.explain()
    r = oci.ok("exec", "--user", "4242", b.id, "cthelper", "env")
    assert env_of(r).get("HOME") == "/", r.explain()


# --- hooks -------------------------------------------------------------------

# A hook without "env" runs in the runtime's own environment; one with an
# empty "env" gets none. Passes with runc too.
def test_hooks_without_env_inherit_the_runtimes(oci):
    marks = oci.tmp / "marks"
    marks.mkdir()
    b = oci.bundle("true")
    for kind in ("prestart", "poststop"):
        b.add_hook(kind, ["/bin/sh", "-c", f'echo "${{CELLA_PROBE:-unset}}" > {marks}/{kind}'])
    b.config["hooks"]["poststart"] = [{"path": "/bin/sh", "env": [],
                                       "args": ["sh", "-c",
                                                f'echo "${{CELLA_PROBE:-unset}}" > {marks}/empty']}]
    env = dict(os.environ, CELLA_PROBE="from-the-runtime")
    r = oci.run(b, env=env)
    assert r.returncode == 0, r.explain()
    assert (marks / "prestart").read_text().strip() == "from-the-runtime"
    assert (marks / "poststop").read_text().strip() == "from-the-runtime"
    assert (marks / "empty").read_text().strip() == "unset"


# --- process.cwd ---------------------------------------------------------------

# Passes with runc too.
def test_missing_cwd_is_made_under_a_readonly_root(oci):
    b = oci.bundle("cthelper", "cwd")
    b.config["root"]["readonly"] = True
    b.process["cwd"] = "/work/deep/er"
    r = oci.run(b)
    assert r.returncode == 0, r.explain()
    assert parse_kv(r.stdout)["cwd"] == "/work/deep/er", r.explain()
    made = b.rootfs / "work" / "deep" / "er"
    assert made.is_dir() and (made.stat().st_mode & 0o777) == 0o755


# runc fails too, but its message names only the component (/etc/passwd).
def test_cwd_that_cannot_be_made_names_path_and_cause(oci):
    b = oci.bundle("cthelper", "cwd")
    b.process["cwd"] = "/etc/passwd/sub"
    r = oci.run(b)
    assert r.returncode != 0, r.explain()
    assert "/etc/passwd/sub" in r.stderr, r.explain()
    assert_mentions(r, "not a directory")
    oci.assert_no_state(b.id, b.cgroups_path)


# --- sysctl --------------------------------------------------------------------

# The hostname case passes with runc too; runc 1.1 (no domainname field
# yet) lets kernel.domainname through.
@pytest.mark.parametrize("key", ["kernel.hostname", "kernel.domainname"])
def test_uts_sysctls_are_refused(oci, key):
    b = oci.bundle("true")
    b.linux["sysctl"] = {key: "nope"}
    r = oci.run(b)
    assert r.returncode != 0, r.explain()
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and key in lines[0], r.explain()
    oci.assert_no_state(b.id, b.cgroups_path)


# --- bind sources --------------------------------------------------------------

# The source lies in a directory only the host's root may search (0700,
# owned by root): the container's root, uid 100000 on the host, could not
# reach it by path. Passes with runc too.
def test_bind_source_the_user_namespace_cannot_search(oci):
    if not os.path.exists("/proc/self/ns/user"):
        pytest.skip("no user namespaces in this kernel")
    private = oci.tmp / "private"
    (private / "data").mkdir(parents=True)
    (private / "data" / "file").write_text("reached\n")
    os.chmod(private, 0o700)
    b = oci.bundle("cat", "/mnt/file").map_users(100000)
    b.add_mount("/mnt", "bind", private / "data", ["rbind", "ro"])
    r = oci.run(b)
    assert r.returncode == 0, r.explain()
    assert r.stdout == "reached\n", r.explain()


# A missing source fails before anything is made.
def test_missing_bind_source_in_a_user_namespace(oci):
    b = oci.bundle("true").map_users(100000)
    b.add_mount("/mnt", "bind", oci.tmp / "no-such-dir", ["rbind"])
    r = oci.run(b)
    assert r.returncode != 0, r.explain()
    assert "no-such-dir" in r.stderr, r.explain()
    assert_mentions(r, "no such file")
    oci.assert_no_state(b.id, b.cgroups_path)


# --- pids.limit ------------------------------------------------------------------

# 0 leaves the limit as it is, below 0 is "max". Passes with runc too.
def test_pids_limit_zero_leaves_it_negative_is_max(oci):
    b = oci.bundle("sleep", "30")
    b.resources()["pids"] = {"limit": 20}
    oci.start_container(b)
    pids_max = cgroup_file("pids", b.cgroups_path, "pids.max")
    if pids_max is None:
        pytest.skip("no pids controller on this host")
    assert pids_max.read_text().strip() == "20"
    res = oci.tmp / "res.json"
    res.write_text(json.dumps({"pids": {"limit": 0}}))
    oci.ok("update", "--resources", res, b.id)
    assert pids_max.read_text().strip() == "20"
    res.write_text(json.dumps({"pids": {"limit": -1}}))
    oci.ok("update", "--resources", res, b.id)
    assert pids_max.read_text().strip() == "max"


# Passes with runc too.
def test_pids_limit_zero_at_create_is_no_limit(oci):
    b = oci.bundle("sleep", "30")
    b.resources()["pids"] = {"limit": 0}
    oci.start_container(b)
    pids_max = cgroup_file("pids", b.cgroups_path, "pids.max")
    if pids_max is None:
        pytest.skip("no pids controller on this host")
    assert pids_max.read_text().strip() == "max"


# --- setup errors ----------------------------------------------------------------

# Stage 1 fails joining a namespace before the runtime's first message:
# the reason, not the closed channel ("Broken pipe"), reaches the user.
# The missing path passes with runc too; for /etc/hostname runc's message
# does not name the path.
@pytest.mark.parametrize("path,cause", [("/proc/999999999/ns/net", "no such file"),
                                        ("/etc/hostname", "invalid argument")])
def test_namespace_path_error_keeps_its_cause(oci, path, cause):
    b = oci.bundle("true")
    b.add_namespace("network", path)
    r = oci.run(b)
    assert r.returncode != 0, r.explain()
    assert path in r.stderr, r.explain()
    assert_mentions(r, cause)
    assert "broken pipe" not in r.stderr.lower(), r.explain()
    oci.assert_no_state(b.id, b.cgroups_path)


# Passes with runc too.
def test_exec_setup_error_keeps_its_cause(oci):
    b = oci.bundle("sleep", "30")
    oci.start_container(b)
    r = oci("exec", "--cwd", "/etc/passwd", b.id, "true")
    assert r.returncode != 0, r.explain()
    assert "/etc/passwd" in r.stderr, r.explain()
    assert_mentions(r, "not a directory")
