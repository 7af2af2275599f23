"""`cella ct run`, the friendly front of the OCI runtime: output and exit
status, the options (hostname, env, volumes, limits, network, image,
rootfs, terminal), that a run leaves nothing behind (no state in
/run/cella, no bundle in /run/cella-ct, no cgroup), and one-line errors
for bad input."""
import os
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from conftest import Session, run_cella

STATE_ROOT = Path("/run/cella")
BUNDLES = Path("/run/cella-ct")
CGROUP_ROOT = Path("/sys/fs/cgroup")
TIMEOUT = 20
MIB = 1 << 20


def ct_leftovers():
    """Everything a `ct run` container may leave: its state directory, its
    bundle, and its cgroups (/cella/ct-<id> on any hierarchy)."""
    found = set()
    for d in (STATE_ROOT, BUNDLES, *(h / "cella" for h in CGROUP_ROOT.iterdir())):
        try:
            found |= {str(d / n) for n in os.listdir(d) if n.startswith("ct-")}
        except OSError:
            pass
    return found


@pytest.fixture
def ct(cella):
    """Runs `cella ct run ARGS`; after the test, fails if a state
    directory, bundle or cgroup made during it is still there (what another
    session's container makes meanwhile goes away by itself, so leftovers
    are looked at again for a while before they count)."""
    if os.geteuid() != 0:
        pytest.skip("cella ct run needs root")
    before = ct_leftovers()

    def run(*args, timeout=TIMEOUT):
        return run_cella(cella, ["ct", "run", *args], timeout)

    yield run
    deadline = time.monotonic() + 3
    while (left := ct_leftovers() - before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"`cella ct run` left behind: {sorted(left)}"


@pytest.fixture
def rootfs_dir(oci_template, tmp_path):
    """A writable copy of the OCI tests' rootfs (busybox and cthelper)."""
    dest = tmp_path / "rootfs"
    shutil.copytree(oci_template, dest, symlinks=True)
    return dest


def ok(r):
    assert r.returncode == 0, r.explain()
    return r


def test_echo(ct):
    r = ok(ct("--", "sh", "-c", "echo hi"))
    assert r.stdout == "hi\n", r.explain()


@pytest.mark.parametrize("status", [0, 7, 125])
def test_exit_status_propagated(ct, status):
    r = ct("--", "sh", "-c", f"exit {status}")
    assert r.returncode == status, r.explain()


def test_hostname(ct):
    r = ok(ct("--hostname", "box1", "--", "hostname"))
    assert r.stdout.strip() == "box1", r.explain()
    r = ok(ct("--", "hostname"))
    assert r.stdout.strip() == "cella", r.explain()


def test_env(ct):
    r = ok(ct("-e", "FOO=bar baz", "-e", "EMPTY=", "--", "sh", "-c", 'echo "[$FOO][${EMPTY-unset}]"'))
    assert r.stdout.strip() == "[bar baz][]", r.explain()


def test_volume_rw(ct, tmp_path):
    host = tmp_path / "vol"
    host.mkdir()
    (host / "in").write_text("from host\n")
    r = ok(ct("-v", f"{host}:/data", "--", "sh", "-c", "cat /data/in; echo made > /data/out"))
    assert r.stdout == "from host\n", r.explain()
    assert (host / "out").read_text() == "made\n"


def test_volume_ro(ct, tmp_path):
    host = tmp_path / "vol"
    host.mkdir()
    (host / "f").write_text("orig\n")
    r = ct("-v", f"{host}:/data:ro", "--", "sh", "-c",
           "cat /data/f; echo changed > /data/f && echo wrote; touch /data/new && echo made")
    assert r.stdout.strip() == "orig", f"a read-only volume was written:\n{r.explain()}"
    assert "Read-only file system" in r.stderr, r.explain()
    assert (host / "f").read_text() == "orig\n" and sorted(os.listdir(host)) == ["f"]


def cgroup_read(v1, v2):
    """A sh snippet printing the container's own cgroup file (v1 path,
    else v2 path)."""
    return f"cat /sys/fs/cgroup/{v1} 2>/dev/null || cat /sys/fs/cgroup/{v2}"


def test_memory_limit_file(ct):
    r = ok(ct("--memory", "32m", "--", "sh", "-c",
              cgroup_read("memory/memory.limit_in_bytes", "memory.max")))
    assert int(r.stdout) == 32 * MIB, r.explain()


def test_memory_hog_is_killed(ct, rootfs_dir):
    r = ct("--rootfs", rootfs_dir, "--memory", "32m", "--", "cthelper", "hog")
    assert "hog=done" not in r.stdout and r.returncode != 0, \
        f"a hog ran past a 32 MiB limit:\n{r.explain()}"
    assert r.returncode == 128 + 9, f"want death by SIGKILL (137):\n{r.explain()}"


def test_pids_limit(ct, rootfs_dir):
    r = ok(ct("--pids", "20", "--", "sh", "-c", cgroup_read("pids/pids.max", "pids.max")))
    assert r.stdout.strip() == "20", r.explain()
    r = ok(ct("--rootfs", rootfs_dir, "--pids", "20", "--", "cthelper", "forkbomb", "60"))
    forked = int(r.stdout.split("forked=")[1].split()[0])
    assert forked < 20, f"{forked} forks under a 20-process limit:\n{r.explain()}"


def test_cpus(ct):
    r = ok(ct("--cpus", "0.5", "--", "sh", "-c",
              cgroup_read("cpu/cpu.cfs_quota_us", "cpu.max")))
    assert r.stdout.split()[0] == "50000", r.explain()


def interfaces(proc_net_dev):
    return sorted(line.split(":")[0].strip() for line in proc_net_dev.splitlines()[2:])


def test_net_none_and_host(ct):
    r = ok(ct("--", "cat", "/proc/net/dev"))
    assert interfaces(r.stdout) == ["lo"], r.explain()
    r = ok(ct("--net", "none", "--", "cat", "/proc/net/dev"))
    assert interfaces(r.stdout) == ["lo"], r.explain()
    host = interfaces(Path("/proc/net/dev").read_text())
    if host == ["lo"]:
        pytest.skip("the host has no interface but lo, so --net host looks like none")
    r = ok(ct("--net", "host", "--", "cat", "/proc/net/dev"))
    assert interfaces(r.stdout) == host, r.explain()


def test_image(ct, tmp_path):
    tree = tmp_path / "tree"
    (tree / "bin").mkdir(parents=True)
    shutil.copy2("/bin/busybox", tree / "bin" / "busybox")
    for a in ("sh", "cat"):
        os.symlink("busybox", tree / "bin" / a)
    for d in ("proc", "sys", "dev", "tmp", "etc"):
        (tree / d).mkdir()
    (tree / "etc" / "marker").write_text("from the image\n")
    tarball = tmp_path / "image.tar.gz"
    with tarfile.open(tarball, "w:gz") as t:
        for entry in sorted(tree.iterdir()):
            t.add(entry, arcname=entry.name)
    r = ok(ct("--image", tarball, "--", "cat", "/etc/marker"))
    assert r.stdout == "from the image\n", r.explain()


def test_rootfs(ct, rootfs_dir):
    (rootfs_dir / "marker").write_text("mine\n")
    r = ok(ct("--rootfs", rootfs_dir, "--", "sh", "-c", "cat /marker; echo w > /written"))
    assert r.stdout == "mine\n", r.explain()
    assert (rootfs_dir / "written").read_text() == "w\n", "the given rootfs is not the root"


def test_default_rootfs_is_readonly(ct):
    r = ct("--", "sh", "-c", "touch /bin/x && echo wrote; touch /tmp/x && echo tmp-ok")
    assert r.stdout.strip() == "tmp-ok", f"the shared rootfs is writable:\n{r.explain()}"


def test_tty(cella, ct):
    argv = [cella, "ct", "run", "-t", "--", "sh", "-c",
            "tty; [ -t 0 ] && [ -t 1 ] && echo isatty; exit 3"]
    with Session(argv, use_pty=True) as s:
        status = s.wait(TIMEOUT)
        out = s.buf
    assert status == 3, f"exit status {status}\n{s.explain()}"
    lines = out.split()
    assert lines[0].startswith("/dev/pts/") and "isatty" in lines, s.explain()


def test_nothing_left_while_and_after(cella, ct):
    """The leftover scan sees a running container (so its silence after a
    run means something) and sees nothing of it once it exited."""
    before = ct_leftovers()
    p = subprocess.Popen([cella, "ct", "run", "--memory", "64m", "--", "sleep", "2"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 5
        running = set()
        while time.monotonic() < deadline and p.poll() is None:
            running = ct_leftovers() - before
            kinds = {Path(x).parent for x in running}
            if {STATE_ROOT, BUNDLES, CGROUP_ROOT / "memory" / "cella"} <= kinds:
                break
            time.sleep(0.05)
        out, err = p.communicate(timeout=TIMEOUT)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, 9)
            p.wait()
    assert p.returncode == 0, err.decode()
    names = {Path(x).name for x in running}
    assert len(names) == 1, f"want one container's state, bundle and cgroups, saw {sorted(running)}"
    assert {Path(x).parent for x in running} >= {STATE_ROOT, BUNDLES,
                                                  CGROUP_ROOT / "memory" / "cella"}, sorted(running)
    left = [x for x in running if os.path.exists(x)]
    assert not left, f"left after exit: {left}"


BAD = [
    (["--bogus", "--", "true"], ["unknown option", "--bogus"]),
    (["--memory", "abc", "--", "true"], ["--memory"]),
    (["--cpus", "-1", "--", "true"], ["--cpus"]),
    (["--cpus", "0", "--", "true"], ["--cpus"]),
    (["--net", "bogus", "--", "true"], ["--net"]),
    (["-v", "/tmp", "--", "true"], ["-v"]),
    (["-v", "/tmp:rel", "--", "true"], ["not absolute"]),
    (["-v", "/nonexistent-cella-vol:/x", "--", "true"], ["/nonexistent-cella-vol"]),
    (["--rootfs", "/nonexistent-cella-rootfs", "--", "true"], ["/nonexistent-cella-rootfs"]),
    (["--image", "/nonexistent-cella.tar", "--", "true"], ["/nonexistent-cella.tar"]),
    (["--image", "/etc/passwd", "--", "true"], ["/etc/passwd"]),
    ([], ["no command"]),
    (["--"], ["no command"]),
    (["--rootfs", "/tmp", "--image", "/etc/passwd", "--", "true"], ["exclusive"]),
    (["-e", "NOEQUALS", "--", "true"], ["NOEQUALS"]),
]


@pytest.mark.parametrize("args,words", BAD, ids=[" ".join(a) or "none" for a, _ in BAD])
def test_bad_input(ct, args, words):
    r = ct(*args)
    assert r.returncode != 0, r.explain()
    assert r.stdout == "", r.explain()
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cella: "), \
        f"want one line `cella: ...`:\n{r.explain()}"
    assert any(w.lower() in lines[0].lower() for w in words), \
        f"the error names none of {words}:\n{r.explain()}"
