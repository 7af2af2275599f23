"""The virtio console as the guest's console (console=hvc0): command output
on the monitor's SBI and on OpenSBI, a shell typed into through a pipe
(input goes to the virtio console when the last console= is hvc0), long
input that must wait for the guest without losing a byte; and the
virtio-rng every machine has, read through /dev/hwrng.

hvc0 is the virtio console only in a guest kernel built without
CONFIG_HVC_RISCV_SBI: that driver registers the SBI console as hvc0 before
any device is probed, and the virtio console becomes hvc1. The guest's
kernel.config leaves it out; a guest built before that fails here, saying
so."""
import re

import pytest

from conftest import BOOT_TIMEOUT, PROMPT, Session, firmware_args, run_cella

HVC_APPEND = "console=hvc0 quiet panic=-1"
TYPE_TIMEOUT = 60


def boot_hvc(cella, guest, cmd, *extra):
    return run_cella(cella, ["vm", "run", *guest.args(), *extra, "--append",
                             f"{HVC_APPEND} cmd={cmd}"], BOOT_TIMEOUT)


@pytest.fixture(scope="module")
def hvc0_is_virtio(cella, guest):
    """Fails, saying why, when the guest kernel has the SBI hvc console."""
    r = boot_hvc(cella, guest, "grep,-c,hvc_sbi_tty_put,/proc/kallsyms")
    assert r.returncode == 0 and "guest: cmd exit" in r.stdout, r.explain()
    if "guest: cmd exit 0" in r.stdout:
        pytest.fail("the guest kernel has CONFIG_HVC_RISCV_SBI: its SBI console takes hvc0 "
                    "and the virtio console is hvc1; rebuild the guest from guest/kernel.config "
                    "(guest/build-guest.sh)", pytrace=False)


@pytest.mark.parametrize("firmware", ["none", "opensbi"])
def test_cmd_output_on_hvc0(cella, guest, hvc0_is_virtio, firmware):
    r = boot_hvc(cella, guest, "echo,hi-$((6*7));cat,/sys/class/tty/console/active",
                 *firmware_args(firmware))
    assert r.returncode == 0, r.explain()
    lines = r.lines()
    assert "hi-42" in lines, r.explain()
    assert "hvc0" in lines, r.explain()
    assert "guest: cmd exit 0" in lines, r.explain()


def test_shell_on_hvc0_through_pipe(cella, guest, hvc0_is_virtio):
    with Session([cella, "vm", "run", *guest.args(), "--append", HVC_APPEND],
                 use_pty=False) as s:
        at = s.expect("guest: init reached", BOOT_TIMEOUT)
        at = s.expect(PROMPT, TYPE_TIMEOUT, at)
        s.send(b"echo hi-$((6*7)) $(cat /sys/class/tty/console/active)\n")
        at = s.expect("hi-42 hvc0", TYPE_TIMEOUT, at)
        s.send(b"poweroff -f\n")
        assert s.wait(TYPE_TIMEOUT) == 0, s.explain()


def test_long_input_through_hvc0_loses_nothing(cella, guest, hvc0_is_virtio):
    # 8000 bytes typed at once: twice the device's input buffer, so the
    # terminal has to wait for the guest to take them.
    with Session([cella, "vm", "run", *guest.args(), "--append", HVC_APPEND],
                 use_pty=False) as s:
        at = s.expect("guest: init reached", BOOT_TIMEOUT)
        at = s.expect(PROMPT, TYPE_TIMEOUT, at)
        s.send(b"stty -echo; cat >/tmp/in; stty echo; echo got-$(wc -c </tmp/in)\n")
        s.send(b"".join(b"%03d" % i + b"x" * 76 + b"\n" for i in range(100)))
        s.send(b"\x04")
        at = s.expect("got-8000", TYPE_TIMEOUT, at)
        s.send(b"sed -n 100p /tmp/in\n")
        s.expect("099" + "x" * 76, TYPE_TIMEOUT, at)
        s.send(b"poweroff -f\n")
        assert s.wait(TYPE_TIMEOUT) == 0, s.explain()


def test_hwrng_gives_random_bytes(cella, guest):
    r = boot_hvc(cella, guest, "head,-c,32,/dev/hwrng|od,-An,-tx1")
    assert r.returncode == 0, r.explain()
    assert "guest: cmd exit 0" in r.stdout, r.explain()
    hex_bytes = re.findall(r"^(?:\s*[0-9a-f]{2})+\s*$", r.stdout, re.M)
    values = " ".join(hex_bytes).split()
    assert len(values) == 32, r.explain()
    assert len(set(values)) > 1, f"32 equal bytes from /dev/hwrng\n{r.explain()}"
