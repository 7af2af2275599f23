"""OCI runtime isolation: namespaces (pid, net, ipc, uts, mount, cgroup,
user with id maps, joining another container's), hostname, the process's
env/cwd/user, mounts and devices, file descriptors passed in (and none
leaked), a terminal handed over --console-socket."""
import os

import pytest

from oci_bundle import ConsoleSocket, parse_kv, runc_older_than, wait_output

OWN_NAMESPACES = {"pid": "ns_pid", "network": "ns_net", "ipc": "ns_ipc", "uts": "ns_uts",
                  "mount": "ns_mnt", "cgroup": "ns_cgroup", "user": "ns_user"}


def host_ns(name):
    return os.readlink(f"/proc/self/ns/{name}")


def test_default_namespaces(oci):
    b = oci.bundle("cthelper", "ns", "pid")
    r = oci.run(b)
    assert r.returncode == 0, r.explain()
    kv = parse_kv(r.stdout)
    assert kv["pid"] == "1", r.explain()
    for ns in ("pid", "net", "ipc", "uts", "mnt"):
        assert kv[f"ns_{ns}"] != host_ns(ns), f"{ns} namespace shared with the host"
    for ns in ("user", "cgroup"):
        assert kv[f"ns_{ns}"] == host_ns(ns), f"{ns} namespace made though not asked for"


def test_no_pid_namespace_shares_host_pids(oci):
    b = oci.bundle("cthelper", "ns", "pid").remove_namespace("pid")
    r = oci.run(b)
    kv = parse_kv(r.stdout)
    assert kv["ns_pid"] == host_ns("pid") and kv["pid"] != "1", r.explain()


def test_cgroup_namespace(oci):
    if not os.path.exists("/proc/self/ns/cgroup"):
        pytest.skip("no cgroup namespaces in this kernel")
    b = oci.bundle("cthelper", "ns", "cgroup").add_namespace("cgroup")
    r = oci.run(b)
    assert r.returncode == 0, r.explain()
    assert parse_kv(r.stdout)["ns_cgroup"] != host_ns("cgroup")
    paths = [line.split(":", 2)[2] for line in r.stdout.splitlines() if line.count(":") >= 2
             and not line.startswith("ns_")]
    assert paths and all(p == "/" for p in paths), f"the cgroup namespace is not rooted at the container's cgroup:\n{r.stdout}"


def test_join_namespace_by_path(oci):
    a = oci.bundle("sleep", "30")
    pid = oci.start_container(a)["pid"]
    b = oci.bundle("cthelper", "ns").add_namespace("network", f"/proc/{pid}/ns/net")
    r = oci.run(b)
    assert r.returncode == 0, r.explain()
    assert parse_kv(r.stdout)["ns_net"] == os.readlink(f"/proc/{pid}/ns/net"), r.explain()


def test_user_namespace_id_maps(oci):
    if not os.path.exists("/proc/self/ns/user"):
        pytest.skip("no user namespaces in this kernel")
    b = oci.bundle("sh", "-c", "cthelper id write /tmp/mine yes; cat /proc/self/uid_map; "
                   "echo done; sleep 30")
    b.map_users(100000)
    st = oci.start_container(b)
    text = wait_output(b.out, "done")
    kv = parse_kv(text)
    assert kv["uid"] == "0" and kv["gid"] == "0" and kv["write"] == "ok", text
    assert ["0", "100000", "65536"] in [line.split() for line in text.splitlines()], text
    with open(f"/proc/{st['pid']}/status") as f:
        uids = next(line for line in f if line.startswith("Uid:")).split()
    assert uids[1] == "100000", f"uid 0 inside is {uids[1]} outside, not 100000"
    assert os.stat(b.rootfs / "tmp" / "mine").st_uid == 100000


def test_hostname(oci):
    b = oci.bundle("cthelper", "hostname")
    b.config["hostname"] = "inside"
    r = oci.run(b)
    assert parse_kv(r.stdout)["hostname"] == "inside", r.explain()
    assert os.uname().nodename != "inside"


def test_domainname(oci):
    if runc_older_than(oci.prefix, 1, 2):
        pytest.skip("runc before 1.2 ignores domainname (runtime-spec 1.1)")
    b = oci.bundle("cthelper", "hostname")
    b.config["domainname"] = "example.org"
    r = oci.run(b)
    assert parse_kv(r.stdout)["domainname"] == "example.org", r.explain()


def test_env_cwd_user_umask(oci):
    b = oci.bundle("cthelper", "env", "cwd", "id")
    b.process["env"] = ["PATH=/bin", "ONE=1", "TWO=a=b"]
    b.process["cwd"] = "/tmp"
    b.process["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [5, 65534], "umask": 0o27}
    r = oci.run(b)
    assert r.returncode == 0, r.explain()
    kv = parse_kv(r.stdout)
    assert kv["ONE"] == "1" and kv["TWO"] == "a=b" and kv["cwd"] == "/tmp", r.explain()
    assert kv["uid"] == kv["euid"] == "1000" and kv["gid"] == kv["egid"] == "1000", r.explain()
    assert set(kv["groups"].split(",")) >= {"5", "65534"}, r.explain()
    assert kv["umask"] == "0027", r.explain()


def test_cwd_is_created_when_missing(oci):
    b = oci.bundle("cthelper", "cwd")
    b.process["cwd"] = "/new/dir"
    r = oci.run(b)
    assert r.returncode == 0 and parse_kv(r.stdout)["cwd"] == "/new/dir", r.explain()


def test_mounts(oci):
    shared = oci.tmp / "shared"
    shared.mkdir()
    (shared / "from-host").write_text("hi")
    b = oci.bundle("sh", "-c", "cat /mnt/host/from-host; echo; cthelper mounts write /mnt/host/ro x")
    b.add_mount("/mnt/host", "bind", shared, ["rbind", "ro"])
    b.add_mount("/scratch", "tmpfs", "tmpfs", ["size=1m", "mode=700"])
    r = oci.run(b)
    lines = r.stdout.splitlines()
    assert lines[0] == "hi", r.explain()
    points = {line.split()[4]: line for line in lines if len(line.split()) > 5}
    for want in ("/", "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/mnt/host",
                 "/scratch"):
        assert want in points, f"{want} not mounted:\n{r.stdout}"
    assert " - tmpfs " in points["/scratch"]
    assert parse_kv(r.stdout)["errno"] == str(30), f"a ro bind mount was writable:\n{r.stdout}"
    assert not (shared / "ro").exists()


def test_default_devices(oci):
    b = oci.bundle("sh", "-c", "ls /dev; echo x > /dev/null && echo null-ok; "
                   "head -c 4 /dev/zero | wc -c; ls -l /dev/ptmx /dev/fd/0")
    r = oci.run(b)
    assert r.returncode == 0, r.explain()
    names = set(r.stdout.split())
    for dev in ("null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "ptmx"):
        assert dev in names, f"/dev/{dev} missing:\n{r.stdout}"
    assert "null-ok" in r.stdout and "4" in r.lines(), r.explain()


def test_default_devices_without_dev_mount(oci):
    """No /dev mount in the spec: the devices the runtime must supply are
    made in the rootfs's own /dev."""
    b = oci.bundle("sh", "-c", "ls /dev; echo x > /dev/null && echo null-ok; "
                   "head -c 4 /dev/zero | wc -c")
    b.config["mounts"] = [m for m in b.config["mounts"]
                          if not m["destination"].startswith("/dev")]
    r = oci.run(b)
    assert r.returncode == 0, r.explain()
    names = set(r.stdout.split())
    for dev in ("null", "zero", "full", "random", "urandom", "tty", "fd", "stdin"):
        assert dev in names, f"/dev/{dev} missing:\n{r.stdout}"
    assert "null-ok" in r.stdout and "4" in r.lines(), r.explain()
    assert (b.rootfs / "dev" / "null").is_char_device()


def test_no_fds_leak(oci):
    b = oci.bundle("cthelper", "fds")
    r = oci.run(b)
    assert parse_kv(r.stdout)["fds"] == "0,1,2", r.explain()


def _fd_files(oci):
    for n, text in ((3, "three"), (4, "four")):
        (oci.tmp / f"fd{n}").write_text(text + "\n")
    return f"exec 3<{oci.tmp}/fd3 4<{oci.tmp}/fd4"


def test_preserve_fds(oci):
    b = oci.bundle("sh", "-c", "cat <&3; cat <&4; cthelper fds").write()
    r = oci("run", "--preserve-fds", "2", "--bundle", b.path, b.id, shell=_fd_files(oci))
    assert r.stdout.splitlines()[:2] == ["three", "four"], r.explain()
    assert parse_kv(r.stdout)["fds"] == "0,1,2,3,4", r.explain()


def test_fds_beyond_preserve_fds_are_closed(oci):
    b = oci.bundle("cthelper", "fds").write()
    r = oci("run", "--preserve-fds", "1", "--bundle", b.path, b.id, shell=_fd_files(oci))
    assert parse_kv(r.stdout)["fds"] == "0,1,2,3", r.explain()


def test_listen_fds(oci):
    # Socket activation: fds 3.. named by LISTEN_FDS (for the runtime's own
    # pid) go to the container, which sees LISTEN_FDS and LISTEN_PID=1.
    b = oci.bundle("sh", "-c", "cat <&4; cthelper fds env").write()
    r = oci("run", "--bundle", b.path, b.id,
            shell=_fd_files(oci) + "; export LISTEN_FDS=2 LISTEN_PID=$$")
    kv = parse_kv(r.stdout)
    assert r.stdout.startswith("four"), r.explain()
    assert kv["fds"] == "0,1,2,3,4", r.explain()
    assert kv.get("LISTEN_FDS") == "2" and kv.get("LISTEN_PID") == "1", r.explain()


def test_terminal_over_console_socket(oci):
    b = oci.bundle("sh", "-c", "cthelper tty; stty size")
    b.process["terminal"] = True
    b.process["consoleSize"] = {"height": 33, "width": 101}
    console = ConsoleSocket(oci.tmp / "console.sock")
    try:
        oci.create(b, "--console-socket", console.path)
        oci.ok("start", b.id)
        text = console.wait()
    finally:
        console.close()
    kv = parse_kv(text)
    assert kv.get("isatty0") == "1", text
    assert kv.get("ttyname", "").startswith("/dev/pts/"), text
    assert "33 101" in text, f"consoleSize not applied:\n{text}"
    oci.wait_status(b.id, "stopped")
