"""virtio-net with user networking against the reference guest: a DHCP
lease, a page fetched from a server on the host's 127.0.0.1 (reached as
10.0.2.2), a host forward reaching a server in the guest, a settable MAC;
bad --net values."""
import http.server
import socket
import threading
import time
import urllib.request

import pytest

from conftest import APPEND, BOOT_TIMEOUT, QUICK_TIMEOUT, Session, boot, run_cella

DHCP = "udhcpc,-i,eth0,-q,-n,-t,5,>/dev/null"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def host_http(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/www; yields its port."""
    www = tmp_path / "www"
    www.mkdir()
    (www / "page.txt").write_text("served-by-the-host\n")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(www), **kw)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def test_dhcp_and_mac(cella, guest):
    r = boot(cella, guest, f"{DHCP};ip,-4,addr,show,eth0;cat,/sys/class/net/eth0/address",
             "--net", "user,mac=52:54:00:ab:cd:ef")
    assert "inet 10.0.2.15/24" in r.stdout, r.explain()
    assert "52:54:00:ab:cd:ef" in r.lines(), r.explain()


def test_default_mac_is_stable(cella, guest):
    r = boot(cella, guest, "cat,/sys/class/net/eth0/address,/sys/class/net/eth1/address",
             "--net", "user", "--net", "user")
    assert "52:54:00:12:34:56" in r.lines() and "52:54:00:12:34:57" in r.lines(), r.explain()


def test_guest_fetches_from_host(cella, guest, host_http):
    r = boot(cella, guest, f"{DHCP}&&wget,-q,-O,-,http://10.0.2.2:{host_http}/page.txt",
             "--net", "user")
    assert "served-by-the-host" in r.lines() and "guest: cmd exit 0" in r.stdout, r.explain()


def test_hostfwd_reaches_guest_server(cella, guest):
    port = free_port()
    cmd = (f"{DHCP}&&mkdir,/tmp/www&&echo,served-by-the-guest>/tmp/www/index.html&&"
           "httpd,-p,8080,-h,/tmp/www&&echo,GUEST-READY&&sleep,600")
    argv = [cella, "vm", "run", *guest.args(), "--net",
            f"user,hostfwd=tcp:127.0.0.1:{port}-:8080", "--append", f"{APPEND} cmd={cmd}"]
    with Session(argv, use_pty=False) as s:
        s.expect("GUEST-READY", BOOT_TIMEOUT)
        body, deadline = None, time.monotonic() + 30
        while body is None:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read()
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert body.decode().strip() == "served-by-the-guest"


def test_net_none_has_no_interface(cella, guest):
    r = boot(cella, guest, "echo,/sys/class/net/*", "--net", "none")
    assert "/sys/class/net/lo" in r.lines(), r.explain()


BAD = ["bogus", "user,hostfwd=tcp:x", "user,mac=nonsense", "tap", "tap,ifname=" + "x" * 20,
       "user,color=blue"]


@pytest.mark.parametrize("value", BAD)
def test_bad_net(cella, guest, value):
    r = run_cella(cella, ["vm", "run", *guest.args(), "--net", value], QUICK_TIMEOUT)
    assert r.returncode == 1, r.explain()
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cella: --net"), r.explain()


def test_hostfwd_port_in_use(cella, guest):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = run_cella(cella, ["vm", "run", *guest.args(), "--net",
                              f"user,hostfwd=tcp:127.0.0.1:{port}-:80"], QUICK_TIMEOUT)
    assert r.returncode == 1 and "cella: --net" in r.stderr, r.explain()
