"""The console as a person uses it: typing into the guest's shell through
a pipe and through a terminal, quitting with Ctrl-A x, and the terminal's
settings coming back afterwards."""
import os
import signal
import termios
import time

import pytest

from conftest import APPEND, BOOT_TIMEOUT, PROMPT, Session, firmware_args

TYPE_TIMEOUT = 60


def test_shell_through_pipe(cella, guest):
    with Session([cella, "vm", "run", *guest.args(), "--append", APPEND], use_pty=False) as s:
        at = s.expect("guest: init reached", BOOT_TIMEOUT)
        at = s.expect(PROMPT, TYPE_TIMEOUT, at)
        s.send(b"echo hello-$((6*7))\n")
        at = s.expect("hello-42", TYPE_TIMEOUT, at)
        s.send(b"poweroff -f\n")
        rc = s.wait(TYPE_TIMEOUT)
        assert rc == 0, s.explain()


def test_shell_through_terminal_and_ctrl_a_x(cella, guest):
    with Session([cella, "vm", "run", *guest.args(), "--append", APPEND], use_pty=True) as s:
        at = s.expect("guest: init reached", BOOT_TIMEOUT)
        at = s.expect(PROMPT, TYPE_TIMEOUT, at)
        s.send(b"echo tty-$((6*7))\r")     # Enter on a terminal sends CR
        at = s.expect("tty-42", TYPE_TIMEOUT, at)
        s.expect(PROMPT, TYPE_TIMEOUT, at)
        s.send(b"\x01x")
        rc = s.wait(10)
        assert rc == 0, s.explain()
        after = termios.tcgetattr(s.slave)
        assert after == s.termios_before, "terminal settings not restored after Ctrl-A x"


def test_sigterm_stops_cleanly_and_restores_the_terminal(cella, guest):
    with Session([cella, "vm", "run", *guest.args(), "--append", APPEND], use_pty=True) as s:
        at = s.expect("guest: init reached", BOOT_TIMEOUT)
        s.expect(PROMPT, TYPE_TIMEOUT, at)
        s.proc.send_signal(signal.SIGTERM)
        rc = s.wait(10)
        assert rc == 1, s.explain()
        assert s.stderr().splitlines() == ["cella: stopped by signal 15"], s.explain()
        after = termios.tcgetattr(s.slave)
        assert after == s.termios_before, "terminal settings not restored after SIGTERM"


def _cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.parametrize("firmware", ["none", "opensbi"])
def test_idle_guest_parks_its_harts(cella, guest, firmware):
    # Four harts idle at the shell prompt: WFI must park their threads, so
    # the monitor uses under 2% of one host core.
    extra = firmware_args(firmware)
    argv = [cella, "vm", "run", *guest.args(), "--cpus", "4", *extra, "--append", APPEND]
    with Session(argv, use_pty=False) as s:
        at = s.expect("guest: init reached", BOOT_TIMEOUT)
        s.expect(PROMPT, TYPE_TIMEOUT, at)
        time.sleep(1)
        t0, c0 = time.monotonic(), _cpu_seconds(s.proc.pid)
        time.sleep(4)
        share = (_cpu_seconds(s.proc.pid) - c0) / (time.monotonic() - t0)
        s.send(b"poweroff -f\n")
        assert s.wait(TYPE_TIMEOUT) == 0, s.explain()
        assert share < 0.02, f"idle guest used {share:.1%} of a core\n{s.explain()}"
