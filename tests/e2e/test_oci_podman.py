"""A real OCI client: Debian's podman drives cella-oci (conmon in between).

Everything podman keeps lives in one temp directory: --root, --runroot,
--tmpdir, the network config dir, vfs storage, its own containers.conf (the
default ulimits exceed this host's hard limits), and the runtime's state
root. podman 4.3 passes no --root to the runtime as root, and the
`container cleanup` process that conmon starts when a container exits does
not get --runtime-flag, so the runtime is a wrapper script in the temp
directory that execs cella-oci with --root <tmp>/state for every call.

The image is `podman import` of a busybox + cthelper rootfs. Each test
removes its containers (`podman rm -af`) and then fails if the runtime left
state in its root or a libpod-<id> cgroup; the module's teardown removes
what podman itself leaves (libpod_parent/conmon cgroups, mounts under the
temp directory)."""
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import pytest

from conftest import REPO, Session, run_to_files, tail
from oci_bundle import CGROUP_ROOT, find_cthelper, make_rootfs_template, mounts_under, parse_kv

if shutil.which("podman") is None:
    pytest.skip("podman is not installed (apt-get install -y podman)", allow_module_level=True)
if os.geteuid() != 0:
    pytest.skip("podman with cella-oci needs root (rootless podman is not tested)",
                allow_module_level=True)

IMAGE = "localhost/cella-test:latest"
CALL_TIMEOUT = 30
# What podman 4.3 makes for root whatever its options say: netavark's run
# directory, and the image library's blob info cache (written by `import`).
# The module removes those it made.
PODMAN_HOST_DIRS = (Path("/run/containers"), Path("/run/containers/networks"),
                    Path("/var/lib/containers"))
# Where podman's cgroupfs manager puts containers (libpod_parent) and conmon
# (libpod_parent/conmon); machine.slice where a cgroup parent says so.
PODMAN_CGROUP_PARENTS = ("libpod_parent", "machine.slice")
CONTAINERS_CONF = """[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
"""


def podman_cgroup_dirs():
    """Every directory under a podman cgroup parent, on every hierarchy."""
    found = set()
    for hierarchy in (d for d in CGROUP_ROOT.iterdir() if d.is_dir()):
        for parent in PODMAN_CGROUP_PARENTS:
            top = hierarchy / parent
            if top.is_dir():
                found.add(top)
                found.update(p for p in top.rglob("*") if p.is_dir())
    return found


def remove_cgroup_dirs(dirs):
    """Thaws, empties (SIGKILL) and removes dirs, deepest first."""
    for d in sorted(dirs, key=lambda p: -len(p.parts)):
        if (d / "freezer.state").is_file():
            try:
                (d / "freezer.state").write_text("THAWED")
            except OSError:
                pass
        try:
            for pid in (d / "cgroup.procs").read_text().split():
                os.kill(int(pid), 9)
        except (OSError, ValueError):
            pass
        for _ in range(100):
            try:
                d.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.02)


class Podman:
    """podman with private storage, runroot, tmpdir and runtime state."""

    def __init__(self, tmp, runtime):
        self.tmp = tmp
        self.state = tmp / "state"
        self.env = dict(os.environ, CONTAINERS_CONF=str(tmp / "containers.conf"),
                        TMPDIR=str(tmp))
        self.base = ["podman", "--root", str(tmp / "storage"), "--runroot", str(tmp / "run"),
                     "--tmpdir", str(tmp / "libpod"), "--network-config-dir", str(tmp / "net"),
                     "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs",
                     "--events-backend", "none", "--runtime", str(runtime)]

    def argv(self, *args):
        return [*self.base, *map(str, args)]

    def env_argv(self, *args):
        """argv with the environment in front, for a caller that cannot
        pass env (conftest's Session)."""
        return ["env", f"CONTAINERS_CONF={self.env['CONTAINERS_CONF']}",
                f"TMPDIR={self.env['TMPDIR']}", *self.argv(*args)]

    def __call__(self, *args, timeout=CALL_TIMEOUT, cwd=None):
        """Runs podman ARGS; stdout and stderr go to files, as a detached
        container's conmon may hold on to what it inherits."""
        return run_to_files(self.argv(*args), self.tmp, timeout, env=self.env,
                            cwd=cwd or self.tmp)

    def ok(self, *args, **kw):
        r = self(*args, **kw)
        assert r.returncode == 0, r.explain()
        return r

    def inspect(self, name, field):
        return self.ok("inspect", "--format", "{{" + field + "}}", name).stdout.strip()

    def detached(self, name, *cmd, opts=()):
        """`run -d` of cmd as container name; returns its full id."""
        return self.ok("run", "-d", "--name", name, "--network", "none", *opts, IMAGE,
                       *cmd).stdout.strip().splitlines()[-1]

    def wait_exit(self, name, timeout=10):
        """Waits for the container to stop; returns its exit code."""
        r = self("wait", name, timeout=timeout + 5)
        assert r.returncode == 0, r.explain()
        return int(r.stdout.strip().splitlines()[-1])

    def log_lines(self, name):
        return self.ok("logs", name).stdout.split()


def built_runtime():
    """The build's cella-oci, next to $CELLA."""
    cella = Path(os.environ.get("CELLA") or REPO / "build" / "cella").resolve()
    real = cella.parent / "cella-oci"
    if not os.access(real, os.X_OK):
        pytest.fail(f"{real} is missing: build it with `make`", pytrace=False)
    return real


def runtime_wrapper(tmp, real):
    """A script named cella-oci that runs real with this module's state
    root."""
    (tmp / "bin").mkdir()
    wrapper = tmp / "bin" / "cella-oci"
    wrapper.write_text(f'#!/bin/sh\nexec {real.absolute()} --root {tmp / "state"} "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


@pytest.fixture(scope="module")
def podman_module():
    real = built_runtime()
    cgroups_before = podman_cgroup_dirs()
    made_dirs = [d for d in PODMAN_HOST_DIRS if not d.exists()]
    tmp = Path(tempfile.mkdtemp(prefix="cella-podman-"))
    os.chmod(tmp, 0o755)
    pm = Podman(tmp, runtime_wrapper(tmp, real))
    try:
        (tmp / "containers.conf").write_text(CONTAINERS_CONF)
        (tmp / "state").mkdir()
        rootfs = make_rootfs_template(tmp / "rootfs", find_cthelper(tmp))
        with tarfile.open(tmp / "rootfs.tar", "w") as tar:
            tar.add(rootfs, arcname=".")
        pm.ok("import", tmp / "rootfs.tar", IMAGE)
        yield pm
    finally:
        pm("rm", "--all", "--force", "--time", "0")
        for point in mounts_under(tmp):
            subprocess.run(["umount", "-R", point], capture_output=True)
        remove_cgroup_dirs(podman_cgroup_dirs() - cgroups_before)
        shutil.rmtree(tmp, ignore_errors=True)
        for d in made_dirs:
            shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def pm(podman_module):
    """The module's podman; after the test its containers are removed, and
    state or cgroups the runtime left for them fail the test."""
    before = podman_cgroup_dirs()
    yield podman_module
    podman_module("rm", "--all", "--force", "--time", "0")
    problems = [f"runtime state {p.name} left in {p.parent}"
                for p in podman_module.state.iterdir()]
    left = {d for d in podman_cgroup_dirs() - before if d.name.startswith("libpod-")}
    problems += [f"cgroup {d} left behind" for d in sorted(left)]
    remove_cgroup_dirs(left)
    assert not problems, "; ".join(problems)


def test_run_rm_output_and_exit_status(pm):
    r = pm("run", "--rm", "--network", "none", IMAGE,
           "sh", "-c", "echo out; echo err >&2; exit 7")
    assert r.returncode == 7, r.explain()
    assert r.lines() == ["out"], r.explain()
    assert "err" in r.stderr.split(), r.explain()
    assert pm.ok("ps", "--all", "--quiet").stdout.strip() == "", "--rm left the container"


def test_run_tty(pm):
    with Session(pm.env_argv("run", "--rm", "-t", "--network", "none", IMAGE,
                         "cthelper", "tty", "exit", "3"), use_pty=True) as s:
        s.expect("ttyname=", CALL_TIMEOUT)
        assert s.wait(CALL_TIMEOUT) == 3, s.explain()
        kv = parse_kv(s.buf)
    assert kv.get("isatty0") == "1", s.explain()
    assert kv.get("ttyname", "").startswith("/dev/pts/"), s.explain()


def test_exec_into_running_container(pm):
    cid = pm.detached("ex", "sleep", "100")
    # The runtime's state is in this module's root, not the default one.
    assert (pm.state / cid / "state.json").is_file(), sorted(os.listdir(pm.state))
    assert not Path("/run/cella", cid).exists()
    r = pm.ok("exec", "ex", "cthelper", "id", "pid")
    kv = parse_kv(r.stdout)
    assert kv["uid"] == "0" and kv["pid"] != "1", r.explain()
    r = pm("exec", "ex", "sh", "-c", "echo in-exec; exit 4")
    assert r.returncode == 4 and r.lines() == ["in-exec"], r.explain()
    assert pm.inspect("ex", ".State.Status") == "running"


def test_stop_untrapped_pid1_is_killed_after_timeout(pm):
    # sleep as pid 1 has no TERM handler, so the kernel ignores TERM; stop
    # then sends KILL once its timeout ends.
    pm.detached("st", "sleep", "100")
    t0 = time.monotonic()
    pm.ok("stop", "--time", "1", "st")
    assert time.monotonic() - t0 < 8
    assert pm.inspect("st", ".State.Status") == "exited"
    assert pm.inspect("st", ".State.ExitCode") == "137"


def test_stop_with_init_ends_on_term(pm):
    # With --init (catatonit, bind-mounted by podman) sleep is not pid 1: the
    # TERM that stop sends ends it at once.
    pm.detached("sti", "sleep", "100", opts=("--init",))
    t0 = time.monotonic()
    pm.ok("stop", "--time", "20", "sti")
    assert time.monotonic() - t0 < 8, "TERM did not end the container"
    assert pm.inspect("sti", ".State.Status") == "exited"
    assert pm.inspect("sti", ".State.ExitCode") == "143"


def test_kill_by_signal(pm):
    pm.detached("kl", "sh", "-c",
                "trap 'echo got-usr1; exit 5' USR1; echo ready; while :; do sleep 0.1; done")
    wait_log(pm, "kl", "ready")
    pm.ok("kill", "--signal", "USR1", "kl")
    assert pm.wait_exit("kl") == 5
    assert "got-usr1" in pm.log_lines("kl")
    pm.detached("kl9", "sleep", "100")
    pm.ok("kill", "kl9")
    assert pm.wait_exit("kl9") == 137


def wait_log(pm, name, word, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if word in pm.log_lines(name):
            return
        time.sleep(0.1)
    pytest.fail(f"{word!r} never came from {name}:\n{tail(pm('logs', name).stdout)}",
                pytrace=False)


def test_pause_unpause(pm):
    cid = pm.detached("pa", "sh", "-c", "i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done")
    wait_log(pm, "pa", "3")
    pm.ok("pause", "pa")
    assert pm.inspect("pa", ".State.Status") == "paused"
    assert pm.inspect("pa", ".State.Paused") == "true"
    freezer = CGROUP_ROOT / "freezer" / "libpod_parent" / f"libpod-{cid}" / "freezer.state"
    if freezer.is_file():
        assert freezer.read_text().strip() == "FROZEN"
    time.sleep(0.2)    # what was written before the freeze reaches the log
    frozen = len(pm.log_lines("pa"))
    time.sleep(0.6)
    assert len(pm.log_lines("pa")) == frozen, "the container ran while paused"
    pm.ok("unpause", "pa")
    assert pm.inspect("pa", ".State.Status") == "running"
    time.sleep(0.6)
    assert len(pm.log_lines("pa")) > frozen, "the container did not run after unpause"


def test_memory_limit_oom_kill(pm):
    # conmon 2.1.6 writes its OOM marker, `oom`, into its working directory
    # (podman's); podman 4.3 looks for it elsewhere, so State.OOMKilled
    # stays false with any runtime (runc too). The marker is the evidence
    # that the OOM happened in the container's memory cgroup.
    cwd = pm.tmp / "oom-cwd"
    cwd.mkdir()
    r = pm("run", "--name", "oom", "--memory", "32m", "--network", "none", IMAGE,
           "cthelper", "hog", cwd=cwd)
    assert r.returncode == 137, r.explain()
    assert pm.inspect("oom", ".State.ExitCode") == "137"
    assert (cwd / "oom").exists() or pm.inspect("oom", ".State.OOMKilled") == "true", \
        "conmon saw no OOM event in the container's memory cgroup"
    cid = pm.inspect("oom", ".Id")
    limit = CGROUP_ROOT / "memory" / "libpod_parent" / f"libpod-{cid}" / "memory.limit_in_bytes"
    if limit.is_file():
        assert int(limit.read_text()) == 32 << 20


def test_pids_limit_stops_fork_bomb(pm):
    r = pm.ok("run", "--rm", "--pids-limit", "20", "--network", "none", IMAGE,
              "cthelper", "forkbomb", "50")
    kv = parse_kv(r.stdout)
    assert int(kv["forked"]) < 20 and int(kv["failed"]) > 0, r.explain()


def test_read_only_root(pm):
    r = pm.ok("run", "--rm", "--read-only", "--network", "none", IMAGE,
              "sh", "-c", "touch /x; echo root=$?; touch /tmp/y; echo tmp=$?")
    kv = parse_kv(r.stdout)
    assert kv["root"] != "0", r.explain()
    assert "read-only" in r.stderr.lower(), r.explain()
    # podman mounts a tmpfs on /tmp of a read-only container.
    assert kv["tmp"] == "0", r.explain()


def test_sysctl(pm):
    # A namespaced sysctl reaches the container's network namespace, and
    # is written although linux.readonlyPaths makes /proc/sys read-only.
    host = Path("/proc/sys/net/ipv4/ping_group_range").read_text()
    r = pm.ok("run", "--rm", "--sysctl", "net.ipv4.ping_group_range=1 2", "--network", "none",
              IMAGE, "cat", "/proc/sys/net/ipv4/ping_group_range")
    assert r.stdout.split() == ["1", "2"], r.explain()
    assert Path("/proc/sys/net/ipv4/ping_group_range").read_text() == host


def test_cap_drop_all(pm):
    r = pm.ok("run", "--rm", "--cap-drop", "all", "--network", "none", IMAGE, "cthelper", "caps")
    kv = parse_kv(r.stdout)
    for cap in ("CapEff", "CapPrm", "CapBnd", "CapAmb"):
        assert int(kv[cap], 16) == 0, r.explain()
    r = pm.ok("run", "--rm", "--network", "none", IMAGE, "cthelper", "caps")
    assert int(parse_kv(r.stdout)["CapEff"], 16) != 0, "podman's default capabilities are missing"
