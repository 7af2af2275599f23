"""Shared code of bench/vm-boot and bench/vm-cpu: boot the default guest
with a cmd= under `cella vm run` and under QEMU's virt board, the same
kernel, initramfs, RAM size and one hart, and time each run.

Each run's wall time is measured from spawn to exit; peak RSS and CPU time
come from the child's rusage (os.wait4), so no `time` binary is needed."""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APPEND = "console=ttyS0 quiet panic=-1"


def parse_args(description, add_extra=None):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--runs", type=int, default=5, help="runs per engine (default 5; median shown)")
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
