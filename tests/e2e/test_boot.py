"""Booting the default Linux guest: the monitor's own SBI, OpenSBI in
emulated M-mode, SMP, the built-in default guest, and reboot's exit status."""
import hashlib
import os

import pytest

from conftest import APPEND, BOOT_TIMEOUT, boot, firmware_args, run_cella


def test_uname(cella, guest):
    r = boot(cella, guest, "uname,-a")
    assert r.returncode == 0, r.explain()
    assert "Linux" in r.stdout and "riscv64" in r.stdout, r.explain()
    assert "guest: cmd exit 0" in r.stdout, r.explain()


def test_uname_through_opensbi(cella, guest):
    r = boot(cella, guest, "uname,-a", *firmware_args("opensbi"))
    assert r.returncode == 0, r.explain()
    assert "Linux" in r.stdout and "riscv64" in r.stdout, r.explain()
    assert "guest: cmd exit 0" in r.stdout, r.explain()


def test_uname_interpreted_only(cella, guest):
    # The default engine translates hot guest code; --engine interp runs
    # the same guest without the translator.
    r = boot(cella, guest, "uname,-a", "--engine", "interp")
    assert r.returncode == 0, r.explain()
    assert "Linux" in r.stdout and "riscv64" in r.stdout, r.explain()
    assert "guest: cmd exit 0" in r.stdout, r.explain()


def test_four_cpus(cella, guest):
    r = boot(cella, guest, "nproc", "--cpus", "4")
    assert r.returncode == 0, r.explain()
    assert "4" in r.lines(), r.explain()
    assert "guest: cmd exit 0" in r.stdout, r.explain()


def test_default_guest_without_kernel_option(cella, guest):
    # No --kernel/--initrd: cella finds guest/out next to its own build.
    env = {k: v for k, v in os.environ.items() if k != "CELLA_GUEST_DIR"}
    r = run_cella(cella, ["vm", "run", "--append", f"{APPEND} cmd=echo,default-$((6+36))"],
                  BOOT_TIMEOUT, env=env)
    assert r.returncode == 0, r.explain()
    assert "default-42" in r.lines(), r.explain()
    assert "guest: cmd exit 0" in r.stdout, r.explain()


def test_guest_exit_status_is_reported(cella, guest):
    # The command's failure is the guest's business: the machine still
    # powers off normally.
    r = boot(cella, guest, "false")
    assert r.returncode == 0, r.explain()
    assert "guest: cmd exit 1" in r.stdout, r.explain()


def test_reboot_exits_3(cella, guest):
    r = boot(cella, guest, "reboot,-f")
    assert r.returncode == 3, r.explain()
    assert "guest: init reached" in r.stdout, r.explain()


@pytest.mark.parametrize("firmware", ["none", "opensbi"])
def test_user_programs_read_the_clock(cella, guest, firmware):
    # dd times itself with clock_gettime, which the vDSO answers with rdtime
    # in U-mode: that needs the counters opened to U-mode (scounteren), as
    # firmware leaves them. md5sum checks the data went through. dd's
    # report goes to a file shown after the pipeline: written to the
    # console while md5sum writes there too, the two could share a line.
    extra = firmware_args(firmware)
    r = boot(cella, guest,
             "sh,-c,'dd,if=/dev/zero,bs=1M,count=4,2>/tmp/dd.txt|md5sum;cat,/tmp/dd.txt'",
             *extra)
    assert r.returncode == 0, r.explain()
    assert "Illegal instruction" not in r.stdout, r.explain()
    want = hashlib.md5(bytes(4 << 20)).hexdigest()
    assert f"{want}  -" in r.lines(), r.explain()
    assert any(line.startswith("4194304 bytes") for line in r.lines()), r.explain()
