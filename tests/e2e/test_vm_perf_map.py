"""--perf-map: the translator names its code in /tmp/perf-PID.map (one
line per block: host address, size, rv:GUEST-ADDRESS, and one for the
code it keeps out of line, rv:GUEST-ADDRESS:cold), so that perf report
shows the samples in translated code by guest address."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import APPEND, BOOT_TIMEOUT, QUICK_TIMEOUT, REPO, check_clean, tail

LINE = re.compile(r"^([0-9a-f]+) ([0-9a-f]+) "
                  r"(rv:0x([0-9a-f]+)(:cold)?|cella-jit-stubs)$")
PROGRAM = REPO / "build" / "isa" / "rv64i.elf"   # runs at 0x80000000


def run(argv, timeout):
    """Runs argv to its end; (pid, returncode, stdout, stderr)."""
    argv = [str(a) for a in argv]
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        pytest.fail(f"no exit within {timeout} s: {' '.join(argv)}", pytrace=False)
    out, err = out.decode(errors="replace"), err.decode(errors="replace")
    check_clean(argv, p.returncode, err, out)
    return p.pid, p.returncode, out, err


def program():
    if not PROGRAM.is_file():
        pytest.fail(f"{PROGRAM} is missing: `make test-one` builds it", pytrace=False)
    return PROGRAM


def test_map_names_each_block(cella):
    pid, rc, out, err = run([cella, "vm", "run", "--perf-map", "--bios", program()],
                            QUICK_TIMEOUT)
    path = f"/tmp/perf-{pid}.map"
    assert rc == 0, tail(err)
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    finally:
        if os.path.exists(path):
            os.unlink(path)
    bad = [line for line in lines if not LINE.match(line)]
    assert not bad, f"lines not START SIZE NAME: {bad[:5]}"
    blocks = [LINE.match(line) for line in lines if "rv:" in line]
    assert blocks, lines
    assert any(m[5] for m in blocks), "no out-of-line code named"
    assert any("cella-jit-stubs" in line for line in lines), lines
    for m in blocks:
        assert int(m[2], 16) > 0, m[0]
        assert 0x80000000 <= int(m[4], 16) < 0x80100000, m[0]
    # blocks made since the buffer was last full never overlap
    spans = sorted((int(m[1], 16), int(m[1], 16) + int(m[2], 16)) for m in blocks)
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert end <= start, spans


def test_no_map_without_the_option(cella):
    pid, rc, out, err = run([cella, "vm", "run", "--bios", program()], QUICK_TIMEOUT)
    assert rc == 0, tail(err)
    assert not os.path.exists(f"/tmp/perf-{pid}.map")


def test_interpreter_writes_no_map(cella):
    pid, rc, out, err = run([cella, "vm", "run", "--perf-map", "--engine", "interp",
                             "--bios", program()], QUICK_TIMEOUT)
    assert rc == 0, tail(err)
    assert not os.path.exists(f"/tmp/perf-{pid}.map")


def test_perf_report_shows_guest_addresses(cella, guest, tmp_path):
    if shutil.which("perf") is None:
        pytest.fail("perf not found: tools/deps.sh test installs linux-perf", pytrace=False)
    data = tmp_path / "perf.data"
    job = "awk,'BEGIN{for(i=0;i<300000;i++)s+=i;print,s}'"
    before = set(os.listdir("/tmp"))
    try:
        pid, rc, out, err = run(["perf", "record", "-q", "-e", "cpu-clock", "-o", data, "--",
                                 cella, "vm", "run", "--perf-map", *guest.args(),
                                 "--append", f"{APPEND} cmd={job}"], BOOT_TIMEOUT)
        assert rc == 0, tail(err)
        assert "44999850000" in out, tail(out)
        p = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--sort", "sym"],
                           capture_output=True, text=True, timeout=QUICK_TIMEOUT)
    finally:
        for name in set(os.listdir("/tmp")) - before:
            if re.fullmatch(r"perf-\d+\.map", name):
                os.unlink(f"/tmp/{name}")
    assert p.returncode == 0, p.stderr
    shares = [float(m[1]) for m in re.finditer(r"^\s*([\d.]+)%\s+\S+\s+rv:0x[0-9a-f]+$",
                                                p.stdout, re.M)]
    # awk's loop runs translated: a good part of the samples are in named
    # guest code, not in anonymous addresses
    assert shares and sum(shares) > 10, tail(p.stdout, 30)
