"""The console as a person uses it: typing into the guest's shell through
a pipe and through a terminal, quitting with Ctrl-A x, and the terminal's
settings coming back afterwards."""
import signal
import termios

from conftest import APPEND, BOOT_TIMEOUT, PROMPT, Session

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
