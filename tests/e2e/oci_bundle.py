"""Helpers for the OCI runtime tests (test_oci_*.py): the runtime under test,
bundles (a busybox + cthelper rootfs and a config.json built from a Python
dict), and checks that a container left nothing behind.

The runtime is $OCI_RUNTIME (a runc-compatible binary, e.g. /usr/sbin/runc)
or else `$CELLA oci` (default build/cella). Every call passes
`--root <tmpdir>`, so nothing touches /run. Each container gets its own
cgroupsPath (/cellatest-<id>) so a test can find, and the teardown remove,
its cgroup on any controller."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from conftest import REPO, Result, _text, check_clean, tail

BUSYBOX = Path("/bin/busybox")
APPLETS = ("sh", "echo", "cat", "ls", "sleep", "true", "mkdir", "id", "touch")
CGROUP_ROOT = Path("/sys/fs/cgroup")
CALL_TIMEOUT = 20
CTHELPER_SRC = REPO / "tests" / "oci" / "cthelper.c"

CAP_NUMBERS = {"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_FOWNER": 3, "CAP_KILL": 5,
               "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_NET_BIND_SERVICE": 10,
               "CAP_NET_RAW": 13, "CAP_SYS_CHROOT": 18, "CAP_SYS_ADMIN": 21,
               "CAP_MKNOD": 27, "CAP_AUDIT_WRITE": 29}


def runtime_prefix():
    """The runtime's command prefix: [OCI_RUNTIME] or [CELLA, "oci"]."""
    rt = os.environ.get("OCI_RUNTIME")
    path = Path(rt) if rt else Path(os.environ.get("CELLA") or REPO / "build" / "cella")
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"{path} is missing: build cella with `make` (or point $OCI_RUNTIME at a "
                    "runc-compatible runtime)", pytrace=False)
    return [str(path.resolve())] if rt else [str(path.resolve()), "oci"]


def is_runc(prefix):
    return Path(prefix[0]).name == "runc"


def runc_older_than(prefix, major, minor):
    """True when the runtime is runc older than major.minor (for features
    the spec has and old runc lacks; cella never counts as old)."""
    if not is_runc(prefix):
        return False
    p = subprocess.run([*prefix, "--version"], capture_output=True, text=True, timeout=10)
    m = re.search(r"runc version (\d+)\.(\d+)", p.stdout)
    return bool(m) and (int(m.group(1)), int(m.group(2))) < (major, minor)


def find_cthelper(tmp_dir):
    """The build's cthelper (next to $CELLA), else one built in tmp_dir."""
    cella = Path(os.environ.get("CELLA") or REPO / "build" / "cella")
    built = cella.parent / "cthelper"
    if built.is_file() and os.access(built, os.X_OK):
        return built
    out = Path(tmp_dir) / "cthelper"
    if shutil.which("cc") is None:
        pytest.skip("no cthelper next to $CELLA and no cc to build it")
    p = subprocess.run(["cc", "-static", "-O2", "-o", str(out), str(CTHELPER_SRC)],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        pytest.skip(f"cannot build cthelper statically (static libc missing?):\n{p.stderr}")
    return out


def make_rootfs_template(dest, cthelper):
    """bin/busybox with applet links, bin/cthelper, etc/passwd and group,
    empty proc sys dev tmp."""
    if not BUSYBOX.is_file():
        pytest.skip(f"{BUSYBOX} missing (apt-get install busybox-static)")
    dest = Path(dest)
    for d in ("bin", "etc", "proc", "sys", "dev", "tmp"):
        (dest / d).mkdir(parents=True, exist_ok=True)
    os.chmod(dest / "tmp", 0o1777)
    shutil.copy2(BUSYBOX, dest / "bin" / "busybox")
    for a in APPLETS:
        os.symlink("busybox", dest / "bin" / a)
    shutil.copy2(cthelper, dest / "bin" / "cthelper")
    (dest / "etc" / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
        "user:x:1000:1000:user:/tmp:/bin/sh\n")
    (dest / "etc" / "group").write_text(
        "root:x:0:\ntty:x:5:\nnogroup:x:65534:\nuser:x:1000:\n")
    return dest


def default_config(args=("cthelper", "id")):
    """A config.json as a dict, mirroring the defaults of `runc spec` (the
    runtime spec's example config) except: no terminal, a writable root, the
    given args, no ambient capabilities. Tests tweak it with the helpers
    below."""
    caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": list(args),
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "TERM=xterm"],
            "cwd": "/",
            "capabilities": {"bounding": list(caps), "effective": list(caps),
                             "permitted": list(caps)},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": False},
        "hostname": "cellatest",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
                         "gid=5"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
             "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
             "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
        ],
        "linux": {
            "resources": {"devices": [{"allow": False, "access": "rwm"}]},
            "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
            "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                            "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                              "/proc/sysrq-trigger"],
        },
    }


def parse_kv(text):
    """cthelper's key=value lines as a dict (the last of a repeated key wins)."""
    out = {}
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        if sep:
            out[k.strip()] = v.strip()
    return out


def assert_mentions(r, *keywords):
    """The failed command's stderr names one of keywords (any case)."""
    err = r.stderr.lower()
    assert any(k.lower() in err for k in keywords), \
        f"stderr mentions none of {keywords}:\n{r.explain()}"


def cap_mask(names):
    return sum(1 << CAP_NUMBERS[n] for n in names)


def mounts_under(path):
    """Mount points at or under path, deepest first."""
    prefix = str(path)
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].replace("\\040", " ")
        if point == prefix or point.startswith(prefix + "/"):
            points.append(point)
    return sorted(points, key=lambda p: -p.count("/"))


# --- cgroups --------------------------------------------------------------

def cgroup_v2():
    return (CGROUP_ROOT / "cgroup.controllers").is_file()


def cgroup_file(controller, cgroups_path, v1_name, v2_name=None):
    """The host path of a cgroup control file of a container's cgroup, on a
    v1 (hybrid) or a unified host; None when the controller is absent."""
    rel = cgroups_path.lstrip("/")
    if cgroup_v2():
        if controller not in (CGROUP_ROOT / "cgroup.controllers").read_text().split():
            return None
        return CGROUP_ROOT / rel / (v2_name or v1_name)
    base = CGROUP_ROOT / controller
    if not base.is_dir():
        return None
    return base / rel / v1_name


def cgroup_dirs(cgroups_path):
    """Every directory named cgroups_path under any cgroup hierarchy."""
    rel = cgroups_path.lstrip("/")
    roots = [CGROUP_ROOT] if cgroup_v2() else [d for d in CGROUP_ROOT.iterdir() if d.is_dir()]
    return [r / rel for r in roots if (r / rel).is_dir()]


def remove_cgroup(cgroups_path):
    """Removes what a test's container left, deepest first, thawing and
    killing what still runs in it; returns the directories it found."""
    found = cgroup_dirs(cgroups_path)
    for top in found:
        for d in sorted([top, *(p for p in top.rglob("*") if p.is_dir())],
                        key=lambda p: -len(p.parts)):
            for thaw, value in (("freezer.state", "THAWED"), ("cgroup.freeze", "0")):
                if (d / thaw).is_file():
                    (d / thaw).write_text(value)
            try:
                for pid in (d / "cgroup.procs").read_text().split():
                    os.kill(int(pid), signal.SIGKILL)
            except (OSError, ValueError):
                pass
            _rmdir_retry(d)
    return found


def _rmdir_retry(d):
    for _ in range(50):
        try:
            d.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


# --- bundles and the runtime ----------------------------------------------

class Bundle:
    """A bundle directory: rootfs/ (a copy of the template) and config, a
    dict written as config.json by write()."""

    def __init__(self, path, template, container_id):
        self.path = Path(path)
        self.rootfs = self.path / "rootfs"
        shutil.copytree(template, self.rootfs, symlinks=True)
        self.config = default_config()
        self.cgroups_path = f"/cellatest-{container_id}"
        self.config["linux"]["cgroupsPath"] = self.cgroups_path

    @property
    def process(self):
        return self.config["process"]

    @property
    def linux(self):
        return self.config["linux"]

    def args(self, *args):
        self.process["args"] = [str(a) for a in args]
        return self

    def add_namespace(self, ns_type, path=None):
        entry = {"type": ns_type}
        if path:
            entry["path"] = path
        self.linux["namespaces"] = [n for n in self.linux["namespaces"] if n["type"] != ns_type]
        self.linux["namespaces"].append(entry)
        return self

    def map_users(self, host_id=100000, size=65536):
        """A user namespace of its own, ids 0.. inside being host_id.. on
        the host, with the rootfs owned by its root. sysfs and cgroupfs
        cannot be mounted from it without a network (or cgroup) namespace
        of its own: those mounts are left out."""
        self.add_namespace("user")
        for key in ("uidMappings", "gidMappings"):
            self.linux[key] = [{"containerID": 0, "hostID": host_id, "size": size}]
        self.config["mounts"] = [m for m in self.config["mounts"]
                                 if m["type"] not in ("sysfs", "cgroup")]
        for dirpath, dirs, files in os.walk(self.rootfs):
            for name in dirs + files:
                os.lchown(os.path.join(dirpath, name), host_id, host_id)
        os.chown(self.rootfs, host_id, host_id)
        return self

    def remove_namespace(self, ns_type):
        self.linux["namespaces"] = [n for n in self.linux["namespaces"] if n["type"] != ns_type]
        return self

    def add_mount(self, destination, mtype, source, options=()):
        self.config["mounts"].append({"destination": destination, "type": mtype,
                                      "source": str(source), "options": list(options)})
        return self

    def resources(self):
        return self.linux.setdefault("resources", {})

    def add_hook(self, kind, argv, env=None, timeout=None):
        hook = {"path": argv[0], "args": list(argv)}
        if env:
            hook["env"] = list(env)
        if timeout:
            hook["timeout"] = timeout
        self.config.setdefault("hooks", {}).setdefault(kind, []).append(hook)
        return self

    def write(self):
        (self.path / "config.json").write_text(json.dumps(self.config, indent=1))
        return self


class Oci:
    """One test's view of the runtime: its --root directory, its bundles and
    containers, and the teardown that removes them all."""

    def __init__(self, prefix, template):
        self.prefix = prefix
        self.template = template
        # Under /tmp with 0755 so a user-namespaced container's root (not
        # host root) can still reach its rootfs.
        self.tmp = Path(tempfile.mkdtemp(prefix="cella-oci-"))
        os.chmod(self.tmp, 0o755)
        # --root sits alone in its parent, so an ID like ../x that escapes
        # it shows there.
        self.root = self.tmp / "state" / "root"
        self.root.parent.mkdir()
        self.ids = []
        self.bundles = []

    def new_id(self):
        cid = f"t{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.ids.append(cid)
        return cid

    def bundle(self, *args, container_id=None):
        """A new bundle for the container container_id (default: a fresh id,
        in bundle.id) running args."""
        cid = container_id or self.new_id()
        path = self.tmp / f"bundle-{len(self.bundles)}"
        path.mkdir()
        os.chmod(path, 0o755)
        b = Bundle(path, self.template, cid)
        b.id = cid
        if args:
            b.args(*args)
        self.bundles.append(b)
        return b

    def argv(self, *args):
        return [*self.prefix, "--root", str(self.root), *map(str, args)]

    def __call__(self, *args, timeout=CALL_TIMEOUT, input=None, pass_fds=(), env=None,
                 stdout=None, stderr=None, shell=None):
        """Runs the runtime with args; returns a Result. stdout/stderr may
        be files (needed by commands that leave a process holding them:
        create, run -d, exec -d), whose contents then go in the Result.
        shell, a /bin/sh snippet, runs first and then execs the runtime
        (to open fds at given numbers, or set $$-dependent variables)."""
        argv = self.argv(*args)
        if shell:
            argv = ["/bin/sh", "-c", f'{shell}; exec "$@"', "sh", *argv]
        out = stdout if stdout is not None else tempfile.TemporaryFile(dir=self.tmp)
        err = stderr if stderr is not None else tempfile.TemporaryFile(dir=self.tmp)
        try:
            p = subprocess.run(argv, input=input,
                               stdin=None if input is not None else subprocess.DEVNULL,
                               stdout=out, stderr=err, timeout=timeout, env=env,
                               pass_fds=pass_fds, start_new_session=True)
        except subprocess.TimeoutExpired:
            pytest.fail(f"no exit within {timeout} s\ncommand: {' '.join(argv)}", pytrace=False)
        r = Result(argv, p.returncode, _read_back(out), _read_back(err))
        check_clean(argv, r.returncode, r.stderr, r.stdout)
        return r

    def ok(self, *args, **kw):
        """Runs the runtime and fails the test on a non-zero exit."""
        r = self(*args, **kw)
        assert r.returncode == 0, r.explain()
        return r

    def run(self, bundle, **kw):
        """`run` the bundle in the foreground (written first)."""
        bundle.write()
        return self("run", "--bundle", bundle.path, bundle.id, **kw)

    def output_files(self, name):
        return open(self.tmp / f"{name}.out", "w+b"), open(self.tmp / f"{name}.err", "w+b")

    def create(self, bundle, *extra, check=True):
        """`create` the bundle; the container's stdout/stderr go to files
        (bundle.out, bundle.err) so the runtime's exit is not waited past."""
        bundle.write()
        bundle.out, bundle.err = self.output_files(bundle.id)
        r = self("create", "--bundle", bundle.path, *extra, bundle.id,
                 stdout=bundle.out, stderr=bundle.err)
        if check:
            assert r.returncode == 0, r.explain()
        return r

    def start_container(self, bundle, *extra):
        """create + start; returns the state after start."""
        self.create(bundle, *extra)
        self.ok("start", bundle.id)
        return self.state(bundle.id)

    def state(self, cid):
        r = self.ok("state", cid)
        return json.loads(r.stdout)

    def wait_status(self, cid, status, timeout=10):
        deadline = time.monotonic() + timeout
        st = None
        while time.monotonic() < deadline:
            st = self.state(cid)
            if st["status"] == status:
                return st
            time.sleep(0.05)
        pytest.fail(f"container {cid} never became {status}: last state {st}", pytrace=False)

    def container_dirs(self):
        """What the runtime keeps in --root (its state directories)."""
        if not self.root.is_dir():
            return []
        return sorted(os.listdir(self.root))

    def assert_no_state(self, cid=None, cgroups_path=None):
        """Nothing of the container is left: no entry in --root (nothing at
        all when cid is None), nothing beside --root, no cgroup."""
        dirs = self.container_dirs()
        if cid is None:
            assert dirs == [], f"the runtime left {dirs} in {self.root}"
        else:
            assert cid not in dirs, f"the runtime left {cid} in {self.root}"
        extra = [n for n in os.listdir(self.root.parent) if n != "root"]
        assert extra == [], f"something was made beside --root: {extra} in {self.root.parent}"
        if cgroups_path:
            left = cgroup_dirs(cgroups_path)
            assert left == [], f"cgroups left behind: {left}"

    def cgroup_leftovers(self):
        """Cgroups of this test's bundles that exist now."""
        return [d for b in self.bundles for d in cgroup_dirs(b.cgroups_path)]

    def cleanup(self):
        """Force-deletes every container in --root, kills and removes what
        is left of their cgroups, and removes the temporary directory.
        Returns a list of problems (cgroups that had to be removed by hand)."""
        problems = []
        for cid in self.container_dirs():
            self("delete", "--force", cid, timeout=CALL_TIMEOUT)
        for b in self.bundles:
            for f in (getattr(b, "out", None), getattr(b, "err", None)):
                if f:
                    f.close()
            if remove_cgroup(b.cgroups_path):
                problems.append(f"cgroup {b.cgroups_path} left behind")
        shutil.rmtree(self.tmp, ignore_errors=True)
        return problems


def _read_back(f):
    f.flush()
    f.seek(0)
    return _text(f.read())


def container_output(f):
    """What a created container wrote to its stdout/stderr file so far."""
    return _read_back(f)


def wait_output(f, needle, timeout=10):
    """Waits until a created container's output file holds needle; returns
    the output."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = container_output(f)
        if needle in text:
            return text
        time.sleep(0.02)
    pytest.fail(f"{needle!r} never came from the container; it wrote:\n{tail(text)}",
                pytrace=False)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is as good as gone: the runtime may reap it later.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pid, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.02)
    return False


class ConsoleSocket:
    """A --console-socket receiver: a unix stream listener that accepts one
    connection, takes the pty master sent with SCM_RIGHTS, and reads what
    the container writes to its terminal."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(1)
        self.master = None
        self.error = None
        self.output = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            self.sock.settimeout(CALL_TIMEOUT)
            conn, _ = self.sock.accept()
            with conn:
                conn.settimeout(CALL_TIMEOUT)
                _, fds, _, _ = socket.recv_fds(conn, 4096, 4)
            if not fds:
                self.error = "no fd came with the console socket message"
                return
            self.master = fds[0]
            for extra in fds[1:]:
                os.close(extra)
            while True:
                try:
                    data = os.read(self.master, 4096)
                except OSError:    # EIO: the slave side is closed
                    break
                if not data:
                    break
                self.output += data
        except OSError as e:
            self.error = f"console socket: {e}"

    def wait(self, timeout=CALL_TIMEOUT):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"the terminal was not closed; got {self.output!r}"
        assert self.error is None, self.error
        return self.output.decode(errors="replace").replace("\r", "")

    def close(self):
        self.sock.close()
        if self.master is not None:
            os.close(self.master)
            self.master = None
