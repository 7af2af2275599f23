"""The runtime's own defences: it runs from a sealed copy of itself, `exec`
joins the container's seccomp filter and capabilities, no descriptor of
the caller leaks in, mount destinations and device paths that go through
symlinks stay in the rootfs, and no inheritable or ambient capabilities
are given by default."""
import errno
import fcntl
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from oci_bundle import cap_mask, parse_kv, runtime_prefix, wait_output

REDUCED_CAPS = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
CAP_KEYS = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def status_of(pid):
    """/proc/<pid>/status as key -> value."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


@pytest.fixture
def outside():
    """A host directory outside every bundle, that nothing may touch."""
    d = Path(tempfile.mkdtemp(prefix="cella-outside-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def assert_untouched(d):
    assert sorted(os.listdir(d)) == [], f"the runtime wrote outside the rootfs: {os.listdir(d)} in {d}"
    assert not os.path.ismount(d), f"{d} was mounted on"


# --- the sealed runtime ---------------------------------------------------

def test_waiting_init_is_a_sealed_memfd(oci):
    binary = runtime_prefix()[0]
    digest = sha256(binary)
    b = oci.bundle("cthelper", "id")
    oci.create(b)
    pid = oci.state(b.id)["pid"]
    exe = os.readlink(f"/proc/{pid}/exe")
    assert exe.startswith("/memfd:"), f"the waiting init runs {exe}, not a memfd copy"
    with pytest.raises(OSError) as err:
        os.close(os.open(f"/proc/{pid}/exe", os.O_WRONLY))
    assert err.value.errno in (errno.ETXTBSY, errno.EPERM, errno.EACCES), err.value
    fd = os.open(f"/proc/{pid}/exe", os.O_RDONLY)
    try:
        seals = fcntl.fcntl(fd, fcntl.F_GET_SEALS)
    finally:
        os.close(fd)
    want = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
    assert seals & want == want, f"seals {seals:#x}, want {want:#x}"
    # A process in the container tries to overwrite the runtime through
    # the waiting init's /proc/1/exe.
    r = oci("exec", b.id, "cthelper", "write", "/proc/1/exe", "pwned")
    kv = parse_kv(r.stdout)
    assert kv.get("errno") not in (None, "0"), f"/proc/1/exe was writable:\n{r.explain()}"
    assert sha256(binary) == digest, f"{binary} changed"


# --- exec joins the container's confinement ----------------------------------

def test_exec_has_the_inits_seccomp_and_caps(oci):
    b = oci.bundle("cthelper", "sleep", "30")
    b.process["capabilities"] = {k: list(REDUCED_CAPS) for k in ("bounding", "effective", "permitted")}
    b.linux["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
                      "errnoRet": errno.EXDEV}],
    }
    st = oci.start_container(b)
    init = status_of(st["pid"])
    assert init["Seccomp"] == "2", f"the init has no seccomp filter: {init['Seccomp']}"
    assert int(init["CapEff"], 16) == cap_mask(REDUCED_CAPS), init["CapEff"]
    r = oci("exec", b.id, "cthelper", "caps", "seccomp", "nnp")
    assert r.returncode == 0, r.explain()
    kv = parse_kv(r.stdout)
    assert kv["Seccomp"] == init["Seccomp"], f"exec has Seccomp {kv['Seccomp']}:\n{r.explain()}"
    for key in CAP_KEYS:
        assert int(kv[key], 16) == int(init[key], 16), \
            f"{key}: exec {kv[key]}, init {init[key]}\n{r.explain()}"
    assert kv["nnp"] == init["NoNewPrivs"], r.explain()
    r = oci("exec", b.id, "sh", "-c", "mkdir /tmp/d")
    assert r.returncode != 0 and "Invalid cross-device link" in r.stderr, \
        f"exec is not under the container's filter:\n{r.explain()}"
    assert not (b.rootfs / "tmp" / "d").exists()


# --- descriptors ------------------------------------------------------------

@pytest.fixture
def extra_fd():
    """An fd open in the test (not close-on-exec once passed on)."""
    fd = os.open("/dev/null", os.O_RDONLY)
    yield fd
    os.close(fd)


def fds_of(r):
    kv = parse_kv(r.stdout)
    assert "fds" in kv, r.explain()
    return kv["fds"]


def test_no_fd_leak_into_run(oci, extra_fd):
    b = oci.bundle("cthelper", "fds")
    r = oci.run(b, pass_fds=(extra_fd,))
    assert fds_of(r) == "0,1,2", f"fd {extra_fd} of the caller leaked:\n{r.explain()}"
    b = oci.bundle("cthelper", "fds")
    r = oci.run(b, shell="exec 7</dev/null 9</dev/null")
    assert fds_of(r) == "0,1,2", f"fds 7 and 9 of the caller leaked:\n{r.explain()}"
    # The check sees an fd that is passed on on purpose.
    b = oci.bundle("cthelper", "fds").write()
    r = oci("run", "--preserve-fds", "1", "--bundle", b.path, b.id, shell="exec 3</dev/null")
    assert fds_of(r) == "0,1,2,3", f"--preserve-fds 1 did not pass fd 3:\n{r.explain()}"


def test_no_fd_leak_into_created_and_exec(oci, extra_fd):
    b = oci.bundle("sh", "-c", "cthelper fds; exec sleep 30")
    b.write()
    b.out, b.err = oci.output_files(b.id)
    r = oci("create", "--bundle", b.path, b.id, stdout=b.out, stderr=b.err,
            pass_fds=(extra_fd,))
    assert r.returncode == 0, r.explain()
    oci.ok("start", b.id)
    out = wait_output(b.out, "fds=")
    assert parse_kv(out)["fds"] == "0,1,2", f"the init got the caller's fds:\n{out}"
    r = oci("exec", b.id, "cthelper", "fds", pass_fds=(extra_fd,))
    assert fds_of(r) == "0,1,2", f"fd {extra_fd} of the caller leaked into exec:\n{r.explain()}"


# --- symlinks in the rootfs ----------------------------------------------------

@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
def test_mount_destination_through_symlink_stays_inside(oci, outside, relative, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "marker").write_text("bound\n")
    b = oci.bundle("cat", "/evil/x/marker")
    target = ("../" * 8 + str(outside).lstrip("/")) if relative else str(outside)
    os.symlink(target, b.rootfs / "evil")
    b.add_mount("/evil/x", "bind", src, ["rbind", "ro"])
    r = oci.run(b)
    assert_untouched(outside)
    assert r.returncode == 0 and r.stdout == "bound\n", \
        f"the mount is not seen through the symlink inside the container:\n{r.explain()}"
    inside = b.rootfs / str(outside).lstrip("/") / "x"
    assert inside.is_dir(), f"the destination was not made inside the rootfs at {inside}"


@pytest.mark.parametrize("dev_tmpfs", [False, True], ids=["no-dev-mount", "dev-tmpfs"])
def test_devices_through_dev_symlink_stay_inside(oci, outside, dev_tmpfs):
    """rootfs/dev is a symlink to a host directory. Without a /dev mount
    the runtime makes linux.devices in the rootfs's /dev; with the /dev
    tmpfs the mount and the default devices go on the symlink's target
    inside the rootfs. Either way, or with a clean error, nothing may
    appear in the host directory."""
    b = oci.bundle("sh", "-c", "ls /dev/evil; echo ok > /dev/null && echo null-ok")
    b.config["mounts"] = [m for m in b.config["mounts"]
                          if not m["destination"].startswith("/dev")
                          or (dev_tmpfs and m["destination"] == "/dev")]
    (b.rootfs / "dev").rmdir()
    os.symlink(str(outside), b.rootfs / "dev")
    b.linux["devices"] = [{"path": "/dev/evil/null", "type": "c", "major": 1, "minor": 3,
                           "fileMode": 0o666, "uid": 0, "gid": 0}]
    b.resources()["devices"].append({"allow": True, "type": "c", "major": 1, "minor": 3,
                                     "access": "rwm"})
    r = oci.run(b)
    assert_untouched(outside)
    if r.returncode != 0:
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, f"want a one-line error:\n{r.explain()}"
        return
    assert r.lines()[0] == "null", f"/dev/evil/null is not in the container:\n{r.explain()}"
    if dev_tmpfs:
        assert "null-ok" in r.stdout, f"no default /dev/null:\n{r.explain()}"
    else:
        node = b.rootfs / str(outside).lstrip("/") / "evil" / "null"
        assert node.is_char_device(), f"no device node inside the rootfs at {node}:\n{r.explain()}"


# --- default capabilities ----------------------------------------------------

def test_no_inheritable_or_ambient_by_default(oci):
    b = oci.bundle("sh", "-c", "cthelper caps; exec sleep 30")
    assert not {"inheritable", "ambient"} & set(b.process["capabilities"])
    oci.start_container(b)
    kv = parse_kv(wait_output(b.out, "CapAmb="))
    assert int(kv["CapInh"], 16) == 0 and int(kv["CapAmb"], 16) == 0, kv
    assert int(kv["CapEff"], 16) != 0, f"the default caps are missing: {kv}"
    r = oci("exec", b.id, "cthelper", "caps")
    kv = parse_kv(r.stdout)
    assert int(kv["CapInh"], 16) == 0 and int(kv["CapAmb"], 16) == 0, r.explain()
