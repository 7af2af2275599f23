"""A real OCI client: Debian's containerd (1.6) drives cella-oci through its
runc v2 shim (containerd-shim-runc-v2), which is given the runtime binary
with `ctr run --runc-binary` and calls it with runc's command line (--root,
--log, --log-format json, create --bundle --pid-file [--console-socket],
start, state, kill, delete, exec --process --detach --pid-file, pause,
resume, ps).

The module starts its own containerd: root, state, temp, socket, the opt
plugin's directory and the runtime's --root (`--runc-root`) all live in one
temp directory, and the CRI plugin is off. Two paths outside it cannot be
moved: the shims' sockets go in /run/containerd/s (hardcoded in containerd
1.6; the directories are removed afterwards when this module made them),
and containers' cgroups are /<namespace>/<id> on the host's hierarchies,
with a namespace named after this process. The image is an OCI image
layout tar built here (a busybox + cthelper rootfs as one layer) and
`ctr images import`ed.

The runtime is $OCI_RUNTIME (e.g. /usr/sbin/runc) or else build/cella-oci
next to $CELLA. Run with: cella-oci (plain and ASan+UBSan builds) and
OCI_RUNTIME=/usr/sbin/runc (runc 1.1.5): all pass.

containerd's log may say "failed to remove runc container ... exit status
255" from a dead shim's cleanup (`delete --force` of a container already
deleted): it comes from the shim when the runtime exits very fast, and is
seen with runc too when its `delete --force` is replaced by /bin/true. No
test reads it."""
import hashlib
import io
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import pytest

from conftest import REPO, SANITIZER_MARKS, Session, run_to_files, tail
from oci_bundle import (CGROUP_ROOT, cgroup_dirs, cgroup_v2, find_cthelper, make_rootfs_template,
                        mounts_under, parse_kv, pid_alive, remove_cgroup, wait_gone)

for _tool in ("containerd", "ctr", "containerd-shim-runc-v2"):
    if shutil.which(_tool) is None:
        pytest.skip(f"{_tool} is not installed (apt-get install -y containerd)",
                    allow_module_level=True)
if os.geteuid() != 0:
    pytest.skip("containerd with cella-oci needs root (rootless containerd is not tested)",
                allow_module_level=True)

IMAGE = "localhost/cella-test:latest"
NAMESPACE = f"cellatest-{os.getpid()}"
CALL_TIMEOUT = 30
CLEANUP_TIMEOUT = 10
START_TIMEOUT = 20
MIB = 1 << 20
# The shims' socket directory: containerd 1.6 and its runc shim put it
# there whatever the config says.
SHIM_SOCKET_DIRS = (Path("/run/containerd"), Path("/run/containerd/s"))
# Plugins this module has no use for: CRI (Kubernetes; slow and noisy to
# start) and the snapshotters that need a particular filesystem or tool.
DISABLED_PLUGINS = ("io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
                    "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
                    "io.containerd.snapshotter.v1.zfs")
# uname's machine name to the OCI platform's architecture: the image must
# match the host's platform for `ctr run` to take it.
# (Names not here, e.g. riscv64 or s390x, are the same in both.)
GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "i686": "386", "armv7l": "arm"}


def runtime_binary():
    """The runtime the shim runs: $OCI_RUNTIME, else cella-oci beside
    $CELLA (cella dispatching on its own name)."""
    rt = os.environ.get("OCI_RUNTIME")
    if rt:
        path = Path(rt)
    else:
        cella = Path(os.environ.get("CELLA") or REPO / "build" / "cella").resolve()
        path = cella.parent / "cella-oci"
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"{path} is missing: build it with `make` (or point $OCI_RUNTIME at a "
                    "runc-compatible runtime)", pytrace=False)
    return path.absolute()


# --- the image ------------------------------------------------------------

def _digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _descriptor(media_type, data, **extra):
    return {"mediaType": media_type, "digest": _digest(data), "size": len(data), **extra}


def _tar_member(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def write_oci_image(rootfs, dest, name):
    """Writes dest: an OCI image layout (oci-layout, index.json, blobs) as a
    tar, holding one image called name whose only layer is rootfs."""
    layer_buf = io.BytesIO()
    with tarfile.open(fileobj=layer_buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in sorted(os.listdir(rootfs)):
            tar.add(rootfs / entry, arcname=entry)
    layer = layer_buf.getvalue()
    arch = GOARCH.get(platform.machine(), platform.machine())
    config = json.dumps({
        "architecture": arch, "os": "linux",
        "config": {"Env": ["PATH=/bin"], "Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": [_digest(layer)]},
    }).encode()
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": _descriptor("application/vnd.oci.image.config.v1+json", config),
        "layers": [_descriptor("application/vnd.oci.image.layer.v1.tar", layer)],
    }).encode()
    # containerd names an imported image after this annotation.
    index = json.dumps({
        "schemaVersion": 2,
        "manifests": [_descriptor("application/vnd.oci.image.manifest.v1+json", manifest,
                                  annotations={"io.containerd.image.name": name})],
    }).encode()
    with tarfile.open(dest, "w") as tar:
        _tar_member(tar, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
        _tar_member(tar, "index.json", index)
        for blob in (layer, config, manifest):
            _tar_member(tar, "blobs/sha256/" + _digest(blob).split(":")[1], blob)


# --- containerd -----------------------------------------------------------

def containerd_config(tmp):
    quoted = ", ".join(f'"{p}"' for p in DISABLED_PLUGINS)
    return (f'version = 2\nroot = "{tmp}/root"\nstate = "{tmp}/state"\ntemp = "{tmp}/tmp"\n'
            f"disabled_plugins = [{quoted}]\n"
            f'[grpc]\n  address = "{tmp}/containerd.sock"\n'
            f'[ttrpc]\n  address = "{tmp}/containerd.sock.ttrpc"\n'
            f'[plugins."io.containerd.internal.v1.opt"]\n  path = "{tmp}/opt"\n')


def shim_pids(address):
    """The runc shims serving this containerd (they outlive it)."""
    pids = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            argv = (d / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"containerd-shim-runc-v2") and address.encode() in argv:
            pids.append(int(d.name))
    return pids


class Containerd:
    """A private containerd and ctr calls against it in NAMESPACE."""

    def __init__(self, tmp, runtime):
        self.tmp = tmp
        self.runtime = runtime
        self.address = str(tmp / "containerd.sock")
        self.runtime_root = tmp / "runtime"     # the shim adds /<namespace>
        self.fifo_dir = tmp / "fifo"
        self.log_path = tmp / "containerd.log"
        self.log_seen = 0
        self.proc = None
        self.ids = set()    # every container id used, for stop()

    def start(self):
        (self.tmp / "containerd.toml").write_text(containerd_config(self.tmp))
        for d in ("tmp", "fifo", "logs"):
            (self.tmp / d).mkdir()
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                ["containerd", "--config", self.tmp / "containerd.toml", "--log-level", "debug"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"containerd exited with status {self.proc.returncode}:\n"
                            f"{tail(self.log())}", pytrace=False)
            r = self("version", timeout=5)
            if r.returncode == 0:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"containerd did not answer in {START_TIMEOUT} s:\n{r.explain()}\n"
                            f"--- containerd log ---\n{tail(self.log())}", pytrace=False)
            time.sleep(0.05)

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def argv(self, *args):
        return ["ctr", "--address", self.address, "--namespace", NAMESPACE, *map(str, args)]

    def __call__(self, *args, timeout=CALL_TIMEOUT):
        """Runs ctr ARGS; stdout and stderr go to files (a detached task
        must not hold a pipe of ours)."""
        return run_to_files(self.argv(*args), self.tmp, timeout,
                            on_timeout=lambda: f"\n--- containerd log ---\n{tail(self.log())}")

    def ok(self, *args, **kw):
        r = self(*args, **kw)
        assert r.returncode == 0, f"{r.explain()}\n--- containerd log ---\n{tail(self.log())}"
        return r

    def runtime_args(self):
        return ["--runc-binary", self.runtime, "--runc-root", self.runtime_root]

    def run_argv(self, *args):
        """argv of `ctr run ARGS` (options, image, id, command) with this
        module's runtime, for a caller that runs it itself."""
        self.ids.add(args[list(args).index(IMAGE) + 1])
        return self.argv("run", "--fifo-dir", self.fifo_dir, *self.runtime_args(), *args)

    def run(self, cid, *cmd, opts=(), timeout=CALL_TIMEOUT):
        """`ctr run --rm` in the foreground: the task's exit status is
        ctr's."""
        self.ids.add(cid)
        return self("run", "--rm", "--fifo-dir", self.fifo_dir, *self.runtime_args(), *opts,
                    IMAGE, cid, *cmd, timeout=timeout)

    def detached(self, cid, *cmd, opts=()):
        """`ctr run -d`; the task's stdout and stderr go to a file, whose
        path is returned."""
        self.ids.add(cid)
        log = self.tmp / "logs" / f"{cid}.log"
        self.ok("run", "-d", "--log-uri", f"file://{log}", *self.runtime_args(), *opts,
                IMAGE, cid, *cmd)
        return log

    def tasks(self):
        """`ctr task ls` as {id: (pid, STATUS)}."""
        out = {}
        for line in self.ok("task", "ls").lines()[1:]:
            f = line.split()
            if len(f) == 3:
                out[f[0]] = (int(f[1]), f[2])
        return out

    def status(self, cid):
        return self.tasks().get(cid, (0, None))[1]

    def wait_status(self, cid, status, timeout=10):
        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            seen = self.status(cid)
            if seen == status:
                return
            time.sleep(0.05)
        pytest.fail(f"task {cid} never became {status}: last {seen}\n"
                    f"--- containerd log ---\n{tail(self.log())}", pytrace=False)

    def wait_pids(self, cid, n, timeout=10):
        """Waits until `ctr task ps` (the runtime's `ps`) lists n processes;
        returns their host pids."""
        deadline = time.monotonic() + timeout
        while True:
            pids = [int(line.split()[0]) for line in self.ok("task", "ps", cid).lines()[1:]
                    if line]
            if len(pids) == n:
                return pids
            if time.monotonic() > deadline:
                pytest.fail(f"task {cid}: want {n} processes, `ctr task ps` has {pids}",
                            pytrace=False)
            time.sleep(0.05)

    def state_dir(self, cid):
        """The runtime's state directory of a container."""
        return self.runtime_root / NAMESPACE / cid

    def cgroups_path(self, cid):
        """ctr's default linux.cgroupsPath."""
        return f"/{NAMESPACE}/{cid}"

    def remove_all(self):
        """Kills and deletes every task and container of the namespace."""
        for cid, (_, status) in self.tasks().items():
            if status == "PAUSED":    # a frozen task dies only once thawed
                self("task", "resume", cid, timeout=CLEANUP_TIMEOUT)
            self("task", "rm", "--force", cid, timeout=CLEANUP_TIMEOUT)
        for cid in self.ok("containers", "ls", "--quiet").stdout.split():
            self("containers", "rm", cid, timeout=CLEANUP_TIMEOUT)

    def new_log(self):
        """containerd's log (with its shims') since the last call."""
        text = self.log()
        new, self.log_seen = text[self.log_seen:], len(text)
        return new

    def stop(self):
        """Stops containerd and what it left: shims, mounts, cgroups."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pid in shim_pids(self.address):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            wait_gone(pid)
        # A shim removes its socket when it ends, not when killed: what is
        # left is found by its name, sha256 of "<address>/<namespace>/<id>".
        for cid in self.ids:
            name = hashlib.sha256(f"{self.address}/{NAMESPACE}/{cid}".encode()).hexdigest()
            try:
                (SHIM_SOCKET_DIRS[-1] / name).unlink()
            except FileNotFoundError:
                pass
        for point in mounts_under(self.tmp):
            subprocess.run(["umount", "-l", point], capture_output=True)
        remove_cgroup(f"/{NAMESPACE}")


@pytest.fixture(scope="module")
def containerd_module():
    runtime = runtime_binary()
    made_dirs = [d for d in SHIM_SOCKET_DIRS if not d.exists()]
    tmp = Path(tempfile.mkdtemp(prefix="cella-containerd-"))
    os.chmod(tmp, 0o755)
    ctd = Containerd(tmp, runtime)
    try:
        rootfs = make_rootfs_template(tmp / "rootfs", find_cthelper(tmp))
        write_oci_image(rootfs, tmp / "image.tar", IMAGE)
        ctd.start()
        ctd.ok("images", "import", tmp / "image.tar")
        assert IMAGE in ctd.ok("images", "ls", "--quiet").stdout.split()
        yield ctd
    finally:
        try:
            if ctd.proc is not None and ctd.proc.poll() is None:
                ctd.remove_all()
        finally:
            ctd.stop()
            shutil.rmtree(tmp, ignore_errors=True)
            for d in reversed(made_dirs):
                try:
                    d.rmdir()    # only when empty: a host containerd may have come
                except OSError:
                    pass


@pytest.fixture
def ctd(containerd_module):
    """The module's containerd; after the test its tasks and containers are
    deleted, and runtime state or cgroups left for them, or a sanitizer
    report in containerd's log, fail the test."""
    containerd_module.new_log()
    yield containerd_module
    containerd_module.remove_all()
    problems = []
    ns_root = containerd_module.runtime_root / NAMESPACE
    if ns_root.is_dir():
        problems += [f"runtime state {p.name} left in {ns_root}" for p in ns_root.iterdir()]
    for top in cgroup_dirs(f"/{NAMESPACE}"):
        left = [d for d in top.iterdir() if d.is_dir()]
        problems += [f"cgroup {d} left behind" for d in left]
        for d in left:
            remove_cgroup(str(d.relative_to(top.parent)))
    log = containerd_module.new_log()
    problems += [f"{mark!r} in containerd's log:\n{tail(log)}" for mark in SANITIZER_MARKS
                 if mark in log]
    assert not problems, "; ".join(problems)


def wait_log(path, word, timeout=10):
    """Waits for word (a whole line) in a detached task's log."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = path.read_text(errors="replace") if path.exists() else ""
        if word in text.split():
            return text
        time.sleep(0.05)
    pytest.fail(f"{word!r} never came in {path}:\n{tail(text)}", pytrace=False)


def log_words(path):
    return path.read_text(errors="replace").split()


# --- tests ------------------------------------------------------------------

def test_run_rm_output_and_exit_status(ctd):
    r = ctd.run("rm1", "sh", "-c", "echo out; echo err >&2; exit 7")
    assert r.returncode == 7, r.explain()
    assert r.lines() == ["out"], r.explain()
    assert "err" in r.stderr.split(), r.explain()
    # --rm: the container, its task and the runtime's state are gone.
    assert "rm1" not in ctd.ok("containers", "ls", "--quiet").stdout.split()
    assert "rm1" not in ctd.tasks()
    assert not ctd.state_dir("rm1").exists()


def test_run_sees_image_and_runtime_config(ctd):
    # What the image and ctr put in config.json reaches the process: the
    # image's PATH, ctr's --env and --cwd, its own pid namespace, and a
    # read-only root with --read-only.
    r = ctd.run("cfg1", "sh", "-c", "echo path=$PATH; echo foo=$FOO; echo cwd=$(pwd); "
                "echo pid=$$; touch /x 2>/dev/null; echo touch=$?",
                opts=("--env", "FOO=bar", "--cwd", "/tmp", "--read-only"))
    assert r.returncode == 0, r.explain()
    kv = parse_kv(r.stdout)
    assert kv == {"path": "/bin", "foo": "bar", "cwd": "/tmp", "pid": "1", "touch": "1"}, \
        r.explain()


def test_run_tty(ctd):
    # -t: the shim passes --console-socket and gets the pty master back.
    with Session(ctd.run_argv("--rm", "-t", IMAGE, "tty1", "cthelper", "tty", "exit", "3"),
                 use_pty=True) as s:
        s.expect("ttyname=", CALL_TIMEOUT)
        assert s.wait(CALL_TIMEOUT) == 3, s.explain()
        kv = parse_kv(s.buf)
    assert kv.get("isatty0") == "1", s.explain()
    assert kv.get("ttyname", "").startswith("/dev/pts/"), s.explain()


def test_detached_run_and_exec(ctd):
    ctd.detached("ex1", "sleep", "100")
    pid, status = ctd.tasks()["ex1"]
    assert status == "RUNNING" and pid_alive(pid)
    # The runtime's state is in the --runc-root ctr gave, under the namespace.
    assert ctd.state_dir("ex1").is_dir()
    r = ctd("task", "exec", "--fifo-dir", ctd.fifo_dir, "--exec-id", "e1", "ex1",
            "sh", "-c", "echo in-exec pid=$$; cat /proc/1/cmdline; echo; exit 4")
    assert r.returncode == 4, r.explain()
    lines = r.lines()
    assert lines[0].startswith("in-exec pid=") and lines[0] != "in-exec pid=1", r.explain()
    # The exec joined the container's pid namespace: its pid 1 is the sleep.
    assert lines[1].replace("\0", " ").split() == ["sleep", "100"], r.explain()
    # A detached exec shows in `ctr task ps` (the runtime's `ps`) beside init.
    ctd.ok("task", "exec", "--detach", "--fifo-dir", ctd.fifo_dir, "--exec-id", "e2", "ex1",
           "sleep", "50")
    pids = ctd.wait_pids("ex1", 2)
    assert pid in pids, pids
    assert ctd.status("ex1") == "RUNNING"


def test_kill_delivers_signal_and_exit_status(ctd):
    # A foreground `ctr run` exits with the task's status; `ctr task kill`
    # from another ctr reaches the container's init.
    out = ctd.tmp / "kl1.out"
    with open(out, "wb") as f:
        p = subprocess.Popen(ctd.run_argv("--rm", IMAGE, "kl1", "sh", "-c",
                                          "trap 'echo got-usr1; exit 5' USR1; echo ready; "
                                          "while :; do sleep 0.1; done"),
                             stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                             start_new_session=True)
    try:
        wait_log(out, "ready")
        ctd.ok("task", "kill", "--signal", "USR1", "kl1")
        assert p.wait(timeout=CALL_TIMEOUT) == 5, out.read_text()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert log_words(out) == ["ready", "got-usr1"]
    # SIGKILL of a detached task: STOPPED, and its status is 137.
    ctd.detached("kl2", "sleep", "100")
    pid = ctd.tasks()["kl2"][0]
    ctd.ok("task", "kill", "--signal", "SIGKILL", "kl2")
    ctd.wait_status("kl2", "STOPPED")
    assert wait_gone(pid), f"pid {pid} still alive after SIGKILL"
    r = ctd.ok("task", "rm", "kl2")
    assert re.search(r"exit code 137\b", r.stderr), r.explain()


def test_kill_all(ctd):
    # --all signals every process in the container, an exec'd one too.
    ctd.detached("ka1", "sleep", "100")
    ctd.ok("task", "exec", "--detach", "--fifo-dir", ctd.fifo_dir, "--exec-id", "e1", "ka1",
           "sleep", "50")
    pids = ctd.wait_pids("ka1", 2)
    ctd.ok("task", "kill", "--all", "--signal", "SIGKILL", "ka1")
    ctd.wait_status("ka1", "STOPPED")
    for pid in pids:
        assert wait_gone(pid), f"pid {pid} survived kill --all"


def test_pause_resume(ctd):
    log = ctd.detached("pa1", "sh", "-c",
                       "i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done")
    wait_log(log, "3")
    ctd.ok("task", "pause", "pa1")
    assert ctd.status("pa1") == "PAUSED"
    # The kernel's view: the container's freezer cgroup is frozen.
    rel = ctd.cgroups_path("pa1").lstrip("/")
    if cgroup_v2():
        assert (CGROUP_ROOT / rel / "cgroup.freeze").read_text().strip() == "1"
    else:
        assert (CGROUP_ROOT / "freezer" / rel / "freezer.state").read_text().strip() == "FROZEN"
    time.sleep(0.2)    # what was written before the freeze reaches the file
    frozen = len(log_words(log))
    time.sleep(0.5)
    assert len(log_words(log)) == frozen, "the container ran while paused"
    ctd.ok("task", "resume", "pa1")
    assert ctd.status("pa1") == "RUNNING"
    time.sleep(0.5)
    assert len(log_words(log)) > frozen, "the container did not run after resume"


def test_task_delete(ctd):
    # A task that ended by itself: STOPPED, then `task rm` reports its
    # status and the runtime's state and the container's cgroup go.
    ctd.detached("dl1", "sh", "-c", "exit 3")
    ctd.wait_status("dl1", "STOPPED")
    assert ctd.state_dir("dl1").is_dir()
    r = ctd.ok("task", "rm", "dl1")
    assert re.search(r"exit code 3\b", r.stderr), r.explain()
    assert "dl1" not in ctd.tasks()
    assert not ctd.state_dir("dl1").exists()
    assert cgroup_dirs(ctd.cgroups_path("dl1")) == []
    # A running task is not deleted without --force; with it, it is killed.
    ctd.detached("dl2", "sleep", "100")
    pid = ctd.tasks()["dl2"][0]
    assert cgroup_dirs(ctd.cgroups_path("dl2")), "the running task has no cgroup"
    r = ctd("task", "rm", "dl2")
    assert r.returncode != 0, r.explain()
    assert ctd.status("dl2") == "RUNNING" and pid_alive(pid)
    ctd.ok("task", "rm", "--force", "dl2")
    assert "dl2" not in ctd.tasks()
    assert wait_gone(pid), f"pid {pid} survived task rm --force"
    assert not ctd.state_dir("dl2").exists()
    assert cgroup_dirs(ctd.cgroups_path("dl2")) == []
    ctd.ok("containers", "rm", "dl2")


CGROUP_MOUNT = "type=cgroup,src=cgroup,dst=/sys/fs/cgroup,options=ro:nosuid:noexec:nodev"


def test_memory_limit(ctd):
    # ctr's spec has no /sys/fs/cgroup mount (CRI adds one); with it the
    # container sees its own memory cgroup and the limit --memory-limit set.
    r = ctd.run("mem1", "sh", "-c", "cat /sys/fs/cgroup/memory.max 2>/dev/null || "
                "cat /sys/fs/cgroup/memory/memory.limit_in_bytes",
                opts=("--memory-limit", 32 * MIB, "--mount", CGROUP_MOUNT))
    assert r.returncode == 0, r.explain()
    assert r.lines() == [str(32 * MIB)], r.explain()
    # And the kernel holds the task to it: a hog is killed before 32 MiB.
    r = ctd.run("mem2", "cthelper", "hog", opts=("--memory-limit", 32 * MIB))
    assert r.returncode == 128 + 9, f"want death by SIGKILL (137):\n{r.explain()}"
    reached = [int(v) for k, v in (line.split("=") for line in r.lines() if line.startswith("hog="))
               if v.isdigit()]
    assert reached and max(reached) < 32, r.explain()
