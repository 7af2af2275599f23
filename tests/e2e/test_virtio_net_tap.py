"""virtio-net on a host tap device (--net tap,ifname=NAME) against the
reference guest, in a network namespace made for each test so the host's
own network is untouched: the guest, given a static address, pings the
host's end of the tap and fetches a page from a server there. A name with
no interface, or one that is not a tap, is a one-line error. Needs root
and /dev/net/tun (the tests skip, saying why, without them)."""
import os
import select
import shutil
import subprocess
import sys

import pytest

from conftest import APPEND, BOOT_TIMEOUT, QUICK_TIMEOUT, run_cella

TAP = "cellatap0"
HOST_IP, GUEST_IP = "10.99.0.1", "10.99.0.2"
PAGE = "served-over-the-tap"

# An HTTP server on the address in argv[1] serving the folder argv[2]; it
# prints its port once it listens.
SERVER = r"""
import functools, http.server, sys
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass
srv = http.server.ThreadingHTTPServer(
    (sys.argv[1], 0), functools.partial(Quiet, directory=sys.argv[2]))
print(srv.server_address[1], flush=True)
srv.serve_forever()
"""


def _sh(argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=QUICK_TIMEOUT)


@pytest.fixture
def netns():
    """A fresh network namespace with tap TAP at HOST_IP/24, up. Yields the
    argv prefix that runs a command inside it; the namespace, and the tap
    with it, is deleted after the test, passed or failed."""
    if os.geteuid() != 0:
        pytest.skip("making a network namespace and a tap device needs root")
    if not os.path.exists("/dev/net/tun"):
        pytest.skip("no /dev/net/tun: this host cannot make tap devices")
    ip = shutil.which("ip")
    if ip is None:
        pytest.skip("no `ip` command (apt-get install iproute2)")
    name = f"cella-tap-test-{os.getpid()}"
    r = _sh([ip, "netns", "add", name])
    if r.returncode != 0:
        pytest.skip(f"cannot make a network namespace: {r.stderr.strip()}")
    try:
        r = _sh([ip, "-n", name, "tuntap", "add", "dev", TAP, "mode", "tap"])
        if r.returncode != 0:
            pytest.skip(f"cannot make a tap device: {r.stderr.strip()}")
        for step in (["addr", "add", f"{HOST_IP}/24", "dev", TAP],
                     ["link", "set", TAP, "up"], ["link", "set", "lo", "up"]):
            r = _sh([ip, "-n", name, *step])
            assert r.returncode == 0, f"ip {' '.join(step)}: {r.stderr}"
        yield [ip, "netns", "exec", name]
    finally:
        _sh([ip, "-n", name, "link", "del", TAP])
        _sh([ip, "netns", "del", name])


@pytest.fixture
def tap_http(netns, tmp_path):
    """An HTTP server on HOST_IP inside the namespace serving PAGE as
    /page.txt; yields its port."""
    www = tmp_path / "www"
    www.mkdir()
    (www / "page.txt").write_text(PAGE + "\n")
    srv = subprocess.Popen([*netns, sys.executable, "-c", SERVER, HOST_IP, str(www)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([srv.stdout], [], [], QUICK_TIMEOUT)
        line = srv.stdout.readline() if ready else ""
        assert line.strip().isdigit(), \
            f"the server did not start: {line!r}\n{srv.stderr.read() if srv.poll() is not None else ''}"
        yield int(line)
    finally:
        srv.kill()
        srv.wait()
        srv.stdout.close()
        srv.stderr.close()


def in_netns(netns, cella, args, timeout):
    """run_cella, with cella running inside the namespace."""
    return run_cella(netns[0], [*netns[1:], cella, *args], timeout)


def test_guest_reaches_host_over_tap(cella, guest, netns, tap_http):
    cmd = (f"ip,link,set,eth0,up&&ip,addr,add,{GUEST_IP}/24,dev,eth0&&"
           f"ping,-c,1,-W,30,{HOST_IP}&&"
           f"wget,-q,-T,30,-O,-,http://{HOST_IP}:{tap_http}/page.txt")
    r = in_netns(netns, cella, ["vm", "run", *guest.args(), "--net", f"tap,ifname={TAP}",
                                "--append", f"{APPEND} cmd={cmd}"], BOOT_TIMEOUT)
    assert r.returncode == 0, r.explain()
    assert "1 packets received" in r.stdout, r.explain()
    assert PAGE in r.lines() and "guest: cmd exit 0" in r.stdout, r.explain()


def cannot_open(netns, cella, guest, ifname):
    """Runs cella on tap ifname and returns its one line on stderr, which
    must come with exit status 1."""
    r = in_netns(netns, cella, ["vm", "run", *guest.args(), "--net", f"tap,ifname={ifname}"],
                 QUICK_TIMEOUT)
    assert r.returncode == 1, r.explain()
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.explain()
    return lines[0]


def test_missing_tap_is_an_error(cella, guest, netns):
    line = cannot_open(netns, cella, guest, "cellanotap9")
    assert line == "cella: --net tap: cannot open tap 'cellanotap9': No such device"
    # And no tap was made under that name.
    assert _sh([*netns, netns[0], "link", "show", "cellanotap9"]).returncode != 0


def test_interface_that_is_not_a_tap_is_an_error(cella, guest, netns):
    line = cannot_open(netns, cella, guest, "lo")
    assert line == "cella: --net tap: cannot open tap 'lo': Invalid argument"
