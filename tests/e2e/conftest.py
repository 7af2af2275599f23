"""Fixtures and helpers for Cella's end-to-end tests. They drive the real
binary ($CELLA, default build/cella) the way a user would, on the default
guest in guest/out (`make guest`) and on tiny bare-metal programs built
here with riscv64-unknown-elf-gcc. Every run has a time limit, and every
run is checked for sanitizer reports and deaths by signal."""
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GUEST_DIR = REPO / "guest" / "out"
APPEND = "console=ttyS0 quiet panic=-1"
OPENSBI = Path("/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin")
PROMPT = re.compile(r"guest:\S*# ")
# Seconds. A boot under the sanitizer build of an interpreter is slow;
# CELLA_BOOT_TIMEOUT raises the limit on a slow machine.
BOOT_TIMEOUT = float(os.environ.get("CELLA_BOOT_TIMEOUT", "180"))
QUICK_TIMEOUT = 30
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:", "Traceback (most recent call last)")
RV_CC = "riscv64-unknown-elf-gcc"


def tail(text, n=40):
    return "\n".join(text.splitlines()[-n:])


@dataclass
class Result:
    argv: list
    returncode: int
    stdout: str   # \r removed: the guest's console writes \r\n
    stderr: str

    def explain(self):
        return (f"command: {' '.join(map(str, self.argv))}\nexit status: {self.returncode}\n"
                f"--- stdout (tail) ---\n{tail(self.stdout)}\n--- stderr (tail) ---\n{tail(self.stderr)}")

    def lines(self):
        return [line.strip() for line in self.stdout.splitlines()]


def check_clean(argv, returncode, stderr, out=""):
    """Fails the test if the monitor died by a signal or a sanitizer spoke."""
    info = f"command: {' '.join(map(str, argv))}\n--- stderr (tail) ---\n{tail(stderr)}\n--- stdout (tail) ---\n{tail(out)}"
    for mark in SANITIZER_MARKS:
        assert mark not in stderr, f"{mark!r} on stderr\n{info}"
    assert returncode is None or returncode >= 0, f"killed by signal {-returncode}\n{info}"


def _text(b):
    if b is None:
        return ""
    if isinstance(b, str):
        return b
    return b.decode(errors="replace").replace("\r", "")


def run_cella(cella, args, timeout, env=None, input=None):
    """Runs `cella ARGS` with no terminal (stdin /dev/null unless input is
    given) and returns its Result; fails the test when it outlives timeout."""
    argv = [cella, *map(str, args)]
    try:
        p = subprocess.run(argv, input=input, stdin=None if input is not None else subprocess.DEVNULL,
                           capture_output=True, timeout=timeout, env=env, start_new_session=True)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"no exit within {timeout} s\ncommand: {' '.join(argv)}\n"
                    f"--- stdout (tail) ---\n{tail(_text(e.stdout))}\n"
                    f"--- stderr (tail) ---\n{tail(_text(e.stderr))}", pytrace=False)
    r = Result(argv, p.returncode, _text(p.stdout), _text(p.stderr))
    check_clean(argv, r.returncode, r.stderr, r.stdout)
    return r


def run_to_files(argv, tmp_dir, timeout, on_timeout=None, **kw):
    """Runs argv with no stdin and its stdout and stderr in temporary files
    under tmp_dir (a process it leaves running, a detached container's
    monitor, may hold on to what it inherits: a pipe would never close);
    kw goes to subprocess.run (env, cwd). Returns the Result; fails the
    test when argv outlives timeout, with what on_timeout() returns (if
    given) after the command."""
    with tempfile.TemporaryFile(dir=tmp_dir) as out, \
            tempfile.TemporaryFile(dir=tmp_dir) as err:
        try:
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                               timeout=timeout, start_new_session=True, **kw)
        except subprocess.TimeoutExpired:
            more = on_timeout() if on_timeout else ""
            pytest.fail(f"no exit within {timeout} s\ncommand: {' '.join(argv)}{more}",
                        pytrace=False)
        out.seek(0)
        err.seek(0)
        r = Result(argv, p.returncode, _text(out.read()), _text(err.read()))
    check_clean(argv, r.returncode, r.stderr, r.stdout)
    return r


@pytest.fixture(scope="session")
def cella():
    path = Path(os.environ.get("CELLA") or REPO / "build" / "cella")
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"{path} is missing: build it with `make` (or point $CELLA at a binary)",
                    pytrace=False)
    return str(path.resolve())


@dataclass
class Guest:
    kernel: str
    initrd: str

    def args(self):
        return ["--kernel", self.kernel, "--initrd", self.initrd]


@pytest.fixture(scope="session")
def guest():
    k, i = GUEST_DIR / "Image", GUEST_DIR / "initramfs.cpio.gz"
    missing = [str(f) for f in (k, i) if not f.is_file()]
    if missing:
        pytest.fail(f"the default guest is missing ({', '.join(missing)}): run `make guest` first",
                    pytrace=False)
    return Guest(str(k), str(i))


def firmware_args(firmware):
    """cella options for a boot path: "none" (the monitor's own SBI) or
    "opensbi" (skips, saying why, where Debian's OpenSBI is absent)."""
    if firmware == "none":
        return []
    if not OPENSBI.is_file():
        pytest.skip(f"{OPENSBI} not found (apt-get install opensbi)")
    return ["--bios", str(OPENSBI)]


def boot(cella, guest, cmd, *extra, timeout=BOOT_TIMEOUT):
    """Boots the default guest running cmd (commas for spaces) and powering off."""
    return run_cella(cella, ["vm", "run", *guest.args(), *extra, "--append", f"{APPEND} cmd={cmd}"],
                     timeout)


class Session:
    """An interactive run of cella: its stdin and stdout are a pipe pair or
    the slave side of a pseudo-terminal; stderr goes to a file. expect()
    waits for text on the console, send() types."""

    def __init__(self, argv, use_pty):
        self.argv = [str(a) for a in argv]
        self.buf = ""
        self.err = tempfile.TemporaryFile()
        self.slave = None
        if use_pty:
            self.fd, self.slave = pty.openpty()
            self.termios_before = termios.tcgetattr(self.slave)
            self.proc = subprocess.Popen(self.argv, stdin=self.slave, stdout=self.slave,
                                         stderr=self.err, start_new_session=True)
            self.wfd = self.fd
        else:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self.err, start_new_session=True)
            self.fd = self.proc.stdout.fileno()
            self.wfd = self.proc.stdin.fileno()
        self.eof = False

    def _read(self, wait):
        if self.eof:
            time.sleep(wait)
            return
        r, _, _ = select.select([self.fd], [], [], wait)
        if not r:
            return
        try:
            data = os.read(self.fd, 65536)
        except OSError:    # EIO from a pty master once the slave is gone
            data = b""
        if data:
            self.buf += data.decode(errors="replace").replace("\r", "")
        else:
            self.eof = True

    def stderr(self):
        self.err.seek(0)
        return self.err.read().decode(errors="replace")

    def explain(self):
        return (f"command: {' '.join(self.argv)}\n--- console (tail) ---\n{tail(self.buf)}\n"
                f"--- stderr (tail) ---\n{tail(self.stderr())}")

    def expect(self, pattern, timeout, start=0):
        """Waits for pattern (a str or compiled regex) in the console output
        after offset start; returns the offset just past the match."""
        deadline = time.monotonic() + timeout
        last_look = False
        while True:
            hay = self.buf[start:]
            if isinstance(pattern, str):
                i = hay.find(pattern)
                if i >= 0:
                    return start + i + len(pattern)
            else:
                m = pattern.search(hay)
                if m:
                    return start + m.end()
            left = deadline - time.monotonic()
            if left <= 0 or last_look:
                why = (f"exited (status {self.proc.returncode})" if last_look
                       else f"nothing in {timeout} s")
                self.kill()
                pytest.fail(f"waiting for {pattern!r}: {why}\n{self.explain()}", pytrace=False)
            if self.proc.poll() is not None:
                # Gone: take what is still buffered, then look once more.
                last_look = True
                for _ in range(20):
                    if self.eof:
                        break
                    self._read(0.05)
                continue
            self._read(min(left, 0.2))

    def send(self, data):
        os.write(self.wfd, data)

    def wait(self, timeout):
        """Waits for the exit, reading the console meanwhile; fails on timeout."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"no exit within {timeout} s\n{self.explain()}", pytrace=False)
            self._read(0.1)
        for _ in range(10):    # what is left in the pipe
            if self.eof:
                break
            self._read(0.05)
        check_clean(self.argv, self.proc.returncode, self.stderr(), self.buf)
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()

    def close(self):
        self.kill()
        if self.slave is not None:
            os.close(self.fd)
            os.close(self.slave)
        else:
            self.proc.stdin.close()
            self.proc.stdout.close()
        self.err.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --- bare-metal programs -------------------------------------------------

LINK_LD = """
OUTPUT_ARCH(riscv)
ENTRY(_start)
SECTIONS
{
    . = 0x80000000;
    .text : { *(.text.init) *(.text*) }
    . = ALIGN(0x1000);
    .tohost : { *(.tohost) }
    . = ALIGN(0x1000);
    .data : { *(.data*) *(.rodata*) *(.sdata*) *(.bss*) *(.sbss*) }
}
"""

# The result word of the tohost convention: 1 = pass, (n << 1) | 1 = fail n.
TOHOST = """
    .section .tohost, "aw", @progbits
    .balign 8
    .globl tohost
tohost: .dword 0
    .size tohost, 8
    .globl fromhost
fromhost: .dword 0
    .size fromhost, 8
"""


def build_elf(tmp_path, name, asm):
    """Assembles and links a bare-metal RV64 program entered at _start
    (0x80000000, M-mode); asm must define _start, TOHOST is appended."""
    if shutil.which(RV_CC) is None:
        pytest.fail(f"{RV_CC} not found: apt-get install gcc-riscv64-unknown-elf", pytrace=False)
    src, ld, elf = tmp_path / f"{name}.S", tmp_path / "link.ld", tmp_path / f"{name}.elf"
    src.write_text(asm + TOHOST)
    ld.write_text(LINK_LD)
    p = subprocess.run([RV_CC, "-march=rv64gc", "-mabi=lp64d", "-nostdlib", "-nostartfiles",
                        "-T", str(ld), "-o", str(elf), str(src)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"{RV_CC} failed on {src}:\n{p.stderr}"
    return elf


# --- OCI runtime (tests/e2e/test_oci_*.py; helpers in oci_bundle.py) --------

@pytest.fixture(scope="session")
def oci_template(tmp_path_factory):
    """The rootfs every OCI test bundle starts as a copy of."""
    import oci_bundle
    if os.geteuid() != 0:
        pytest.skip("the OCI runtime tests need root")
    tmp = tmp_path_factory.mktemp("oci-template")
    return oci_bundle.make_rootfs_template(tmp / "rootfs", oci_bundle.find_cthelper(tmp))


@pytest.fixture
def oci(oci_template):
    """The runtime under test ($OCI_RUNTIME, else `$CELLA oci`) with a
    private --root; every container and cgroup it made is removed after the
    test, and a cgroup the runtime left behind fails the test."""
    import oci_bundle
    o = oci_bundle.Oci(oci_bundle.runtime_prefix(), oci_template)
    yield o
    problems = o.cleanup()
    assert not problems, "; ".join(problems)
