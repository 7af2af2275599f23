"""Shared code of the bench/ scripts: boot the default guest with a cmd=
under `cella vm run` and under QEMU's virt board, the same kernel,
initramfs, RAM size and one hart, and time each run.

Each run's wall time is measured from spawn to exit; peak RSS and CPU time
come from the child's rusage (os.wait4), so no `time` binary is needed.
Machines that run on while the bench talks to them (bench/vm-snapshot,
bench/vm-migrate): Proc, its Console (each output line with the time it
arrived), QMP, and get_state for cella's API."""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APPEND = "console=ttyS0 quiet panic=-1"


def parse_args(description, add_extra=None, runs=5):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--runs", type=int, default=runs, help=f"runs per engine (default {runs}; median shown)")
    p.add_argument("--cella", default=str(REPO / "build" / "cella"), help="cella binary (default build/cella)")
    p.add_argument("--qemu", default="qemu-system-riscv64", help="QEMU binary (default from PATH)")
    p.add_argument("--guest", default=os.environ.get("CELLA_GUEST_DIR", str(REPO / "guest" / "out")),
                   help="folder with Image and initramfs.cpio.gz (default guest/out)")
    p.add_argument("--mem", default="256M", help="guest RAM (default 256M)")
    p.add_argument("--timeout", type=float, default=300, help="seconds allowed per run (default 300)")
    p.add_argument("--no-qemu", action="store_true", help="time cella only")
    p.add_argument("--no-cella", action="store_true", help="time QEMU only")
    if add_extra:
        add_extra(p)
    a = p.parse_args()
    if a.runs < 1:
        p.error("--runs must be at least 1")
    guest = Path(a.guest)
    a.kernel, a.initrd = guest / "Image", guest / "initramfs.cpio.gz"
    for f in (a.kernel, a.initrd):
        if not f.is_file():
            sys.exit(f"bench: {f} is missing: run `make guest` first")
    return a


def engines(a, cella_args=(), qemu_args=()):
    """The engines to time, each (name, argv builder or an error string);
    cella_args and qemu_args add devices to every run."""
    out = []
    if not a.no_cella:
        if not (os.path.isfile(a.cella) and os.access(a.cella, os.X_OK)):
            out.append(("cella", f"{a.cella} not found or not executable: run `make` first"))
        else:
            out.append(("cella", lambda append: [
                a.cella, "vm", "run", "--kernel", str(a.kernel), "--initrd", str(a.initrd),
                "--mem", a.mem, "--cpus", "1", *cella_args, "--append", append]))
    if not a.no_qemu:
        q = shutil.which(a.qemu)
        if q is None:
            out.append(("qemu", f"{a.qemu} not found: apt-get install qemu-system-misc"))
        else:
            out.append(("qemu", lambda append: [
                q, "-M", "virt", "-m", a.mem, "-smp", "1", "-nographic", "-no-reboot",
                "-kernel", str(a.kernel), "-initrd", str(a.initrd), *qemu_args,
                "-append", append]))
    return out


class Run:
    def __init__(self, rc, wall, cpu, maxrss_kib, out, err, timed_out):
        self.rc, self.wall, self.cpu, self.maxrss_kib = rc, wall, cpu, maxrss_kib
        self.out, self.err, self.timed_out = out, err, timed_out


def run_once(argv, timeout):
    """Runs argv with no terminal (stdin /dev/null, own session); returns a Run."""
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe,
                             start_new_session=True)
        killed = threading.Event()

        def kill():
            killed.set()
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        return Run(p.returncode, wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss,
                   fo.read().decode(errors="replace"), fe.read().decode(errors="replace"),
                   killed.is_set())


def failure(run, want):
    """Why a run did not do what was asked, or None when it did."""
    if run.timed_out:
        return "timed out"
    if run.rc != 0:
        last = (run.err.strip().splitlines() or run.out.strip().splitlines() or ["(no output)"])[-1]
        return f"exit status {run.rc}: {last}"
    for w in want:
        if w not in run.out:
            return f"output lacks {w!r}"
    return None


class Figures:
    """Median wall time, CPU time and peak RSS of several runs of one engine."""
    def __init__(self, runs):
        self.wall = statistics.median(r.wall for r in runs)
        self.cpu = statistics.median(r.cpu for r in runs)
        self.rss_mib = max(r.maxrss_kib for r in runs) / 1024.0


def measure(name, argv, runs, timeout, want, label):
    """Times `runs` runs of argv; returns (Figures, None) or (None, error)."""
    done = []
    for i in range(runs):
        r = run_once(argv, timeout)
        why = failure(r, want)
        if why:
            return None, f"{name} {label} run {i + 1} failed: {why}"
        done.append(r)
        print(f"  {name:5} {label} run {i + 1}: {r.wall:.3f} s", file=sys.stderr, flush=True)
    return Figures(done), None


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "n/a"


def argparse_only(a, name):
    """a, with only engine name enabled, for engines()."""
    b = type(a)(**vars(a))
    b.no_cella, b.no_qemu = name != "cella", name != "qemu"
    return b


def parse_size(s):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    s = s.strip().upper()
    return int(s[:-1]) * units[s[-1]] if s[-1] in units else int(s)


POLL = 0.0005                       # s between polls of a starting machine
TICK = re.compile(r"^tick-(\d+)$")  # a guest counter's line


class Failed(Exception):
    pass


class Console:
    """Reads a child's output stream on a thread; keeps each whole line
    with the time it arrived."""
    def __init__(self, stream):
        self.stream, self.lines, self.cond = stream, [], threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        part = b""
        fd = self.stream.fileno()
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            now = time.monotonic()
            if not data:
                break
            part += data
            *whole, part = part.split(b"\n")
            with self.cond:
                self.lines += [(now, w.decode(errors="replace").strip("\r"))
                               for w in whole]
                self.cond.notify_all()
        with self.cond:
            self.lines.append((time.monotonic(), None))     # EOF
            self.cond.notify_all()

    def wait(self, test, timeout, start=0):
        """(time, index, result) of the first line from index start for
        which test(line) is true; raises Failed at EOF or timeout."""
        deadline = time.monotonic() + timeout
        i = start
        with self.cond:
            while True:
                while i < len(self.lines):
                    t, line = self.lines[i]
                    if line is None:
                        raise Failed(f"the machine ended before that ({self.tail()})")
                    r = test(line)
                    if r:
                        return t, i, r
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failed(f"timed out ({self.tail()})")
                self.cond.wait(left)

    def timed_ticks(self, start=0):
        """(time, N) of each tick-N line from index start."""
        with self.cond:
            return [(t, int(m.group(1))) for t, l in self.lines[start:]
                    if l and (m := TICK.match(l))]

    def ticks(self):
        return [n for _, n in self.timed_ticks()]

    def tail(self):
        with self.cond:
            last = [l for _, l in self.lines[-8:] if l][-3:]
        return "last output: " + (" | ".join(last) if last else "none")


class Proc:
    """A machine process in its own session, its stdout and stderr each
    read by a Console; close() kills what is left of it."""
    def __init__(self, argv):
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, start_new_session=True)
        self.out, self.err = Console(self.p.stdout), Console(self.p.stderr)

    def poke(self):
        """A newline to the guest's console: ends its counter's wait."""
        self.p.stdin.write(b"\n")
        self.p.stdin.flush()

    def alive(self):
        return self.p.poll() is None

    def died(self):
        self.err.thread.join(5)
        with self.err.cond:
            err = [l for _, l in self.err.lines if l]
        return Failed(f"exit status {self.p.returncode}: "
                      f"{err[-1] if err else self.out.tail()}")

    def close(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.p.wait()
        for f in (self.p.stdin, self.p.stdout, self.p.stderr):
            try:
                f.close()
            except OSError:
                pass


def connect_unix(path, proc, timeout):
    """A socket connected to path once proc has made it; polls."""
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(str(path))
            s.settimeout(timeout)
            return s
        except OSError:
            s.close()
        if not proc.alive():
            raise proc.died()
        if time.monotonic() > deadline:
            raise Failed(f"nothing listens at {path}")
        time.sleep(POLL)


def get_state(path, proc, timeout):
    """The state GET /machine gives on cella's API socket at path."""
    with connect_unix(path, proc, timeout) as s:
        s.sendall(b"GET /machine HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = head.split(b"\r\n")[0].decode(errors="replace")
    if " 200 " not in status:
        raise Failed(f"GET /machine: {status}")
    return json.loads(body)["state"]


class QMP:
    """A QMP client: one command at a time, events skipped."""
    def __init__(self, path, proc, timeout):
        self.s = connect_unix(path, proc, timeout)
        self.f = self.s.makefile("rwb")
        self._answer()                          # the greeting
        self.run("qmp_capabilities")

    def _answer(self):
        while True:
            line = self.f.readline()
            if not line:
                raise Failed("QMP connection closed")
            m = json.loads(line)
            if "event" not in m:
                return m

    def run(self, cmd, **args):
        self.f.write(json.dumps({"execute": cmd, "arguments": args}).encode() + b"\n")
        self.f.flush()
        m = self._answer()
        if "error" in m:
            raise Failed(f"QMP {cmd}: {m['error'].get('desc')}")
        return m.get("return")

    def close(self):
        self.f.close()
        self.s.close()
