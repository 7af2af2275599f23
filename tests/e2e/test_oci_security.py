"""OCI runtime security settings: read-only root, maskedPaths,
readonlyPaths, capabilities, noNewPrivileges, seccomp, rlimits, and the
devices cgroup's default deny."""
import errno
import json
import os
import socket
import threading

import pytest

from oci_bundle import cap_mask, parse_kv

KILL_AND_BIND = ["CAP_KILL", "CAP_NET_BIND_SERVICE"]


def run_kv(oci, b):
    r = oci.run(b)
    return parse_kv(r.stdout), r


def test_readonly_root(oci):
    b = oci.bundle("cthelper", "write", "/tmp/x", "y", "write", "/dev/shm/x", "y")
    b.config["root"]["readonly"] = True
    r = oci.run(b)
    results = [line for line in r.lines() if line.startswith("errno=")]
    assert results == [f"errno={errno.EROFS}", "errno=0"], \
        f"want EROFS on the root and a writable /dev/shm:\n{r.explain()}"
    assert not (b.rootfs / "tmp" / "x").exists()


def test_writable_root(oci):
    b = oci.bundle("cthelper", "write", "/tmp/x", "y")
    kv, r = run_kv(oci, b)
    assert kv["errno"] == "0", r.explain()
    assert (b.rootfs / "tmp" / "x").read_text() == "y"


def test_masked_paths(oci):
    files = [f for f in ("/proc/kcore", "/proc/timer_list", "/proc/sched_debug")
             if os.path.isfile(f)]
    if not files or not os.path.isdir("/sys/firmware"):
        pytest.skip("no /proc/kcore, /proc/timer_list nor /proc/sched_debug, or no /sys/firmware")
    b = oci.bundle("cthelper", "open", files[0], "open", "/sys/firmware", "open", "/proc/cpuinfo")
    b.linux["maskedPaths"] = [files[0], "/sys/firmware", "/nonexistent/path"]
    r = oci.run(b)
    assert r.returncode == 0, r.explain()
    sizes = [line for line in r.lines() if line.startswith(("bytes=", "entries="))]
    assert sizes[:2] == ["bytes=0", "entries=0"], f"masked paths show content:\n{r.explain()}"
    assert sizes[2] != "bytes=0", "an unmasked file reads empty"


def test_readonly_paths(oci):
    b = oci.bundle("cthelper", "write", "/proc/sys/kernel/hostname", "x",
                   "write", "/ro/file", "h", "open", "/proc/sys/kernel/ostype")
    (b.rootfs / "ro").mkdir()
    b.linux["readonlyPaths"] = ["/proc/sys", "/ro", "/nonexistent/path"]
    r = oci.run(b)
    results = [line for line in r.lines() if line.startswith("errno=")]
    assert results == [f"errno={errno.EROFS}"] * 2 + ["errno=0"], r.explain()


def test_limited_capabilities(oci):
    b = oci.bundle("cthelper", "caps")
    b.process["capabilities"] = {"bounding": KILL_AND_BIND, "effective": KILL_AND_BIND,
                                 "permitted": KILL_AND_BIND}
    kv, r = run_kv(oci, b)
    want = cap_mask(KILL_AND_BIND)
    for key in ("CapBnd", "CapEff", "CapPrm"):
        assert int(kv[key], 16) == want, f"{key} {kv[key]}, want {want:x}\n{r.explain()}"
    assert int(kv["CapInh"], 16) == 0 and int(kv["CapAmb"], 16) == 0, r.explain()


def test_ambient_and_inheritable_capabilities(oci):
    b = oci.bundle("cthelper", "caps", "id")
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.process["capabilities"] = {k: KILL_AND_BIND for k in
                                 ("bounding", "effective", "permitted", "inheritable", "ambient")}
    kv, r = run_kv(oci, b)
    assert kv["uid"] == "1000", r.explain()
    want = cap_mask(KILL_AND_BIND)
    for key in ("CapInh", "CapAmb", "CapEff", "CapPrm", "CapBnd"):
        assert int(kv[key], 16) == want, f"{key} {kv[key]}, want {want:x}\n{r.explain()}"


def test_non_root_user_has_no_effective_capabilities(oci):
    b = oci.bundle("cthelper", "caps")
    b.process["user"] = {"uid": 1000, "gid": 1000}
    kv, r = run_kv(oci, b)
    assert int(kv["CapEff"], 16) == 0 and int(kv["CapPrm"], 16) == 0, r.explain()
    assert int(kv["CapBnd"], 16) == cap_mask(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"])


def test_dropped_capability_is_enforced(oci):
    # Root without CAP_CHOWN cannot chown; given it, it can.
    b = oci.bundle("sh", "-c", "touch /tmp/f; chown 1000 /tmp/f && echo chowned")
    r = oci.run(b)
    assert "chowned" not in r.stdout and r.returncode != 0, r.explain()
    b = oci.bundle("sh", "-c", "touch /tmp/f; chown 1000 /tmp/f && echo chowned")
    b.process["capabilities"] = {k: ["CAP_CHOWN"] for k in ("bounding", "effective", "permitted")}
    r = oci.run(b)
    assert "chowned" in r.stdout, r.explain()


@pytest.mark.parametrize("nnp", [True, False])
def test_no_new_privileges(oci, nnp):
    b = oci.bundle("cthelper", "nnp")
    b.process["noNewPrivileges"] = nnp
    kv, r = run_kv(oci, b)
    assert kv["nnp"] == ("1" if nnp else "0"), r.explain()


def test_seccomp_errno_rule(oci):
    b = oci.bundle("sh", "-c", "cthelper seccomp; mkdir /tmp/d; ls -d /tmp/d")
    b.linux["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"],
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
                      "errnoRet": errno.EXDEV}],
    }
    r = oci.run(b)
    kv = parse_kv(r.stdout)
    assert kv["Seccomp"] == "2", f"no seccomp filter installed:\n{r.explain()}"
    assert "Invalid cross-device link" in r.stderr, r.explain()
    assert not (b.rootfs / "tmp" / "d").exists()


def test_seccomp_errno_without_errnoret_is_eperm(oci):
    b = oci.bundle("cthelper", "seccomp", "hostname")
    b.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
                          "syscalls": [{"names": ["uname"], "action": "SCMP_ACT_ERRNO"}]}
    kv, r = run_kv(oci, b)
    assert kv["Seccomp"] == "2", r.explain()
    assert kv["hostname"] == "error: Operation not permitted", f"uname was not blocked:\n{r.explain()}"


def test_seccomp_without_nnp_or_sys_admin(oci):
    """Neither noNewPrivileges nor CAP_SYS_ADMIN: the filter goes in while
    the runtime still holds CAP_SYS_ADMIN, so no_new_privs stays off."""
    b = oci.bundle("cthelper", "seccomp", "nnp", "hostname")
    b.process["noNewPrivileges"] = False
    b.process["capabilities"] = {k: ["CAP_KILL"] for k in ("bounding", "effective", "permitted")}
    b.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
                          "syscalls": [{"names": ["uname"], "action": "SCMP_ACT_ERRNO"}]}
    kv, r = run_kv(oci, b)
    assert kv["Seccomp"] == "2", r.explain()
    assert kv["nnp"] == "0", f"no_new_privs was forced on:\n{r.explain()}"
    assert kv["hostname"] == "error: Operation not permitted", r.explain()


def test_seccomp_notify_listener_gets_process_state(oci, tmp_path):
    """SCMP_ACT_NOTIFY: the listener at listenerPath gets the notify fd and
    the container process state; when it closes the fd without answering,
    the trapped call fails with ENOSYS."""
    path = str(tmp_path / "listener.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(10)
    got = {}

    def listen():
        try:
            conn, _ = srv.accept()
        except OSError as e:
            got["error"] = str(e)
            return
        with conn:
            data, fds, _, _ = socket.recv_fds(conn, 65536, 1)
            while chunk := conn.recv(65536):
                data += chunk
            got["state"] = json.loads(data)
            got["fds"] = len(fds)
            for fd in fds:
                os.close(fd)

    t = threading.Thread(target=listen)
    t.start()
    b = oci.bundle("sh", "-c", "mkdir /tmp/d; echo done")
    b.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": path,
                          "listenerMetadata": "meta",
                          "syscalls": [{"names": ["mkdir", "mkdirat"],
                                        "action": "SCMP_ACT_NOTIFY"}]}
    r = oci.run(b)
    t.join(15)
    srv.close()
    assert "error" not in got and "state" in got, f"listener: {got}\n{r.explain()}"
    st = got["state"]
    assert got["fds"] == 1 and st["fds"] == ["seccompFd"], st
    assert st["metadata"] == "meta" and st["ociVersion"], st
    assert st["state"]["id"] == b.id and st["state"]["bundle"] == str(b.path), st
    assert st["pid"] > 0 and st["pid"] == st["state"]["pid"], st
    assert "Function not implemented" in r.stderr and "done" in r.stdout, r.explain()
    assert not (b.rootfs / "tmp" / "d").exists()


def test_rlimits(oci):
    b = oci.bundle("cthelper", "limits")
    b.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200},
                            {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
                            {"type": "RLIMIT_NPROC", "soft": 500, "hard": 600}]
    kv, r = run_kv(oci, b)
    assert kv["nofile"] == "100:200" and kv["core"] == "0:0" and kv["nproc"] == "500:600", r.explain()


def test_devices_default_deny(oci):
    b = oci.bundle("sh", "-c", "mknod /tmp/sda b 8 0 && cthelper open /tmp/sda; cthelper open /dev/null")
    b.process["capabilities"] = {k: ["CAP_MKNOD"] for k in ("bounding", "effective", "permitted")}
    r = oci.run(b)
    results = [line for line in r.lines() if line.startswith("errno=")]
    assert results == [f"errno={errno.EPERM}", "errno=0"], \
        f"want the devices cgroup to deny a block device and allow /dev/null:\n{r.explain()}"
