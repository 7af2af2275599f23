"""The control API of a running machine (`cella vm run --api PATH`) and
the verbs that call it: the guest counts on its console; pause stops the
count (and GET /machine says paused), resume lets it go on; stop ends the
machine with status 0; errors are an HTTP status and one JSON line; the
CLI with nothing listening, or --api on a file that is not a socket, fails
with one line."""
import http.client
import json
import re
import socket
import time

import pytest

from conftest import APPEND, BOOT_TIMEOUT, PROMPT, Session, run_cella

TYPE_TIMEOUT = 60
COUNTER = b"i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.05; done\n"
# A whole line: a read can end inside "tick-12", and "tick-1" is not a tick.
TICK = re.compile(r"tick-(\d+)\r?\n")


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(str(self.path))


def request(api, method, url, body=None):
    """(status, JSON body) of one request to the API at path api."""
    c = UnixHTTP(api)
    try:
        c.request(method, url, body=body)
        r = c.getresponse()
        return r.status, json.loads(r.read())
    finally:
        c.close()


def too_large(api):
    """(status, JSON body) of a PUT whose body is over the limit. The server
    answers as soon as it reads Content-Length and may close before the
    body is all sent: the answer is read whatever the sending met."""
    body = b" " * (65 << 10)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.settimeout(30)
        c.connect(str(api))
        c.sendall(b"PUT /machine/pause HTTP/1.1\r\nHost: localhost\r\n"
                  b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body))
        try:
            c.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        while True:
            try:
                chunk = c.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            answer += chunk
    head, _, rest = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(rest)


def ticks(s):
    return [int(n) for n in TICK.findall(s.buf)]


def wait_ticks(s, more, timeout=TYPE_TIMEOUT):
    """Waits until the counter has gone on by `more`; returns the last."""
    start = max(ticks(s), default=0)
    deadline = time.monotonic() + timeout
    while max(ticks(s), default=0) < start + more:
        assert time.monotonic() < deadline and s.proc.poll() is None, s.explain()
        s._read(0.2)
    return max(ticks(s))


def prompt_machine(cella, guest, api, *extra):
    """A machine with --api PATH, at its shell's prompt."""
    s = Session([cella, "vm", "run", *guest.args(), "--api", str(api), *extra,
                 "--append", APPEND], use_pty=False)
    at = s.expect("guest: init reached", BOOT_TIMEOUT)
    s.expect(PROMPT, TYPE_TIMEOUT, at)
    return s


def counting_machine(cella, guest, api, *extra):
    s = prompt_machine(cella, guest, api, *extra)
    s.send(COUNTER)
    wait_ticks(s, 3)
    return s


def check_pause_resume(s, api):
    assert request(api, "PUT", "/machine/pause") == (200, {"state": "paused"})
    status, m = request(api, "GET", "/machine")
    assert status == 200 and m["state"] == "paused", m
    time.sleep(0.3)     # output already in the pipe arrives
    s._read(0.2)
    before = len(s.buf)
    t_end = time.monotonic() + 1.0
    while time.monotonic() < t_end:
        s._read(0.1)
    assert len(s.buf) == before, f"console grew while paused\n{s.explain()}"
    uptime = m["uptime_ms"]
    time.sleep(0.2)
    assert request(api, "GET", "/machine")[1]["uptime_ms"] == uptime, \
        "the guest clock moved while paused"
    assert request(api, "PUT", "/machine/resume") == (200, {"state": "running"})
    last = max(ticks(s))
    after = wait_ticks(s, 5)
    # No jump: every count from before the pause to after it is there.
    seen = set(ticks(s))
    assert all(n in seen for n in range(last - 2, after)), s.explain()


def stop(s, api):
    assert request(api, "PUT", "/machine/stop") == (200, {"state": "stopped"})
    assert s.wait(TYPE_TIMEOUT) == 0, s.explain()
    assert not api.exists(), "the socket is left behind"


def test_pause_resume_stop(cella, guest, tmp_path):
    api = tmp_path / "api.sock"
    with counting_machine(cella, guest, api) as s:
        status, m = request(api, "GET", "/machine")
        assert status == 200 and m["state"] == "running", m
        assert m["harts"] == 1 and m["config"]["cpus"] == 1
        assert m["config"]["engine"] == "jit"
        names = [d["name"] for d in m["devices"]]
        assert names[:5] == ["test", "rtc", "clint", "plic", "serial"], names
        rng = [d for d in m["devices"] if d.get("type") == "virtio-rng"]
        assert rng and rng[0]["requests"] > 0 and rng[0]["bytes"] > 0, m
        check_pause_resume(s, api)
        # Pausing a paused machine, resuming a running one: no change.
        assert request(api, "PUT", "/machine/resume") == (200, {"state": "running"})
        stop(s, api)


@pytest.mark.parametrize("engine", ["jit", "interp"])
def test_smp_pause_resume(cella, guest, tmp_path, engine):
    api = tmp_path / "api.sock"
    with counting_machine(cella, guest, api, "--cpus", "4", "--engine", engine) as s:
        for _ in range(2):
            check_pause_resume(s, api)
        assert request(api, "PUT", "/machine/pause") == (200, {"state": "paused"})
        assert request(api, "PUT", "/machine/pause") == (200, {"state": "paused"})
        stop(s, api)    # a paused machine stops too


def test_verbs(cella, guest, tmp_path):
    api = tmp_path / "api.sock"
    with counting_machine(cella, guest, api) as s:
        r = run_cella(cella, ["vm", "status", "--api", api], 30)
        assert r.returncode == 0 and json.loads(r.stdout)["state"] == "running", r.explain()
        for verb, state in (("pause", "paused"), ("pause", "paused"),
                            ("resume", "running"), ("resume", "running")):
            r = run_cella(cella, ["vm", verb, "--api", api], 30)
            assert (r.returncode, r.stdout) == (0, state + "\n"), r.explain()
        r = run_cella(cella, ["vm", "stop", "--api", api], 30)
        assert (r.returncode, r.stdout) == (0, "stopped\n"), r.explain()
        assert s.wait(TYPE_TIMEOUT) == 0, s.explain()


def test_http_errors(cella, guest, tmp_path):
    api = tmp_path / "api.sock"
    with counting_machine(cella, guest, api) as s:
        assert request(api, "GET", "/nothing") == (404, {"error": "no such path"})
        assert request(api, "POST", "/machine") == (405, {"error": "method not allowed (use GET)"})
        assert request(api, "GET", "/machine/pause") == \
            (405, {"error": "method not allowed (use PUT)"})
        assert request(api, "PUT", "/machine/pause", "{bad") == \
            (400, {"error": "request body is not JSON"})
        assert request(api, "PUT", "/machine/pause", "[1]") == \
            (400, {"error": "request body is not a JSON object"})
        assert too_large(api) == (413, {"error": "request body too large"})
        assert request(api, "GET", "/machine")[1]["state"] == "running"
        stop(s, api)


def test_cli_errors(cella, tmp_path):
    nothing = tmp_path / "none.sock"
    r = run_cella(cella, ["vm", "status", "--api", nothing], 30)
    assert r.returncode != 0 and r.stderr.splitlines() == [
        f"cella: --api {nothing}: no machine listens (No such file or directory)"], r.explain()
    dead = tmp_path / "dead.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(dead))
    sock.close()
    r = run_cella(cella, ["vm", "pause", "--api", dead], 30)
    assert r.returncode != 0 and r.stderr.splitlines() == [
        f"cella: --api {dead}: no machine listens (Connection refused)"], r.explain()
    r = run_cella(cella, ["vm", "resume"], 30)
    assert r.returncode != 0 and r.stderr.splitlines() == [
        "cella: resume: --api PATH is needed"], r.explain()


def test_api_path_not_a_socket(cella, guest, tmp_path):
    f = tmp_path / "file"
    f.write_text("keep me")
    r = run_cella(cella, ["vm", "run", *guest.args(), "--api", f], 30)
    assert r.returncode == 1 and r.stderr.splitlines() == [
        f"cella: --api {f}: exists and is not a socket"], r.explain()
    assert f.read_text() == "keep me"
