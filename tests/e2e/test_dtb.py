"""--dump-dtb: the device tree the monitor hands the guest."""
import shutil
import subprocess

import pytest

from conftest import APPEND, BOOT_TIMEOUT, run_cella


def test_dump_dtb(cella, guest, tmp_path):
    if shutil.which("dtc") is None:
        pytest.fail("dtc not found: apt-get install device-tree-compiler", pytrace=False)
    dtb = tmp_path / "board.dtb"
    append = f"{APPEND} cmd=true"
    r = run_cella(cella, ["vm", "run", *guest.args(), "--cpus", "4", "--append", append,
                          "--dump-dtb", dtb], BOOT_TIMEOUT)
    assert r.returncode == 0, r.explain()
    blob = dtb.read_bytes()
    assert blob[:4] == b"\xd0\x0d\xfe\xed", f"not a DTB: {blob[:16]!r}"
    d = subprocess.run(["dtc", "-I", "dtb", "-O", "dts", str(dtb)],
                       capture_output=True, text=True, timeout=30)
    assert d.returncode == 0, d.stderr
    dts = d.stdout
    assert "cpu@3" in dts and "cpu@4" not in dts, dts
    for want in ("memory@80000000", "ns16550a", "riscv,plic0", "linux,initrd-start",
                 "linux,initrd-end", append):
        assert want in dts, f"{want!r} not in the device tree:\n{dts}"
