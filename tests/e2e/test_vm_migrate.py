"""Live migration (`cella vm run --incoming URI` as the target, `cella vm
migrate --api PATH URI` from the source). The two hosts are two network
namespaces made here, joined by a veth pair (10.77.0.1/24 and
10.77.0.2/24); the source runs in one, the target in the other.

Checked:
- a guest that counts on its console while a workload keeps rewriting
  tmpfs files and checking the md5sums of what it wrote moves to the
  target and back again (there on the same engine, back on the other),
  with one hart and four, under both engines: the count goes on with no
  gap and no restart, the workload finds its data intact (OK after each
  switch, never BAD), the source exits 0 and the target runs the machine
  it was sent;
- a guest appending to a file on a disk image both hosts share moves with
  the image's lock (another machine on it is refused before and after)
  and the file is whole;
- with tap networking bridged to a third namespace, a TCP connection from
  that namespace to an echo server in the guest carries on across the
  move there and back (the target's MAC announce teaches the bridges the
  guest's new port);
- GET /machine on the source shows the migration's progress while it is
  active (over a link slowed with tc), the rounds of dirty pages and the
  throttle a guest dirtying faster than that link gets; pause, resume,
  snapshot and a second migration are refused with 409 meanwhile;
- each failure leaves the source running (counting on, GET /machine
  "running", the migration "failed" or "cancelled"), with the migrate
  command failing with one line: the target SIGKILLed mid-stream, nothing
  listening, a cancel (`cella vm migrate-cancel`), a target given another
  --mem or --cpus (which refuses with one line, exit 1), a fake target
  that takes the whole stream and then closes or answers FAILED; after a
  failure the same source still migrates. A fake target that takes GO
  and never says RUNNING leaves the source paused (it cannot know whether
  the target runs), and it runs on once resumed;
- a target fed by a fake source (a stream recorded from a real source by a
  fake target, replayed in part, or damaged) exits 1 with one line and
  never runs the guest: a stream cut anywhere, one of another format
  version, garbage, a damaged frame, frames out of order, a page past the
  end of RAM, a source that never says GO after the target's READY; the
  whole recording with the hand-over frames does run.

Needs root, `ip` and `tc` (iproute2) and /dev/net/tun for the tap test;
the tests skip, saying why, without them."""
import fcntl
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass, field

import pytest

from conftest import APPEND, BOOT_TIMEOUT, PROMPT, QUICK_TIMEOUT, Result, Session, run_cella
from test_virtio_blk import debugfs_cat, ext4_image
from test_virtio_blk import tool as blk_tool
from test_vm_api import COUNTER, TICK, TYPE_TIMEOUT, request, ticks, wait_ticks
from test_vm_snapshot import APPENDER, shell

MEM = "128M"
MIGRATE_TIMEOUT = 180       # seconds; a migration of a busy guest on a noisy host
QUICK = 60
NET_A, NET_B = "10.77.0.1", "10.77.0.2"
GUEST_NET, GUEST_IP, PORT = "10.88.0.1", "10.88.0.2", 7000

# Writes 1 MiB of random data to /tmp/keep and records its md5sum; then, in
# the background, forever: rewrites one of two 2 MiB files with new random
# data and records its sum, checks /tmp/keep and the other file (written
# one round earlier) against theirs, and prints OK-n, or BAD-what-n.
WORKLOAD = (b"dd if=/dev/urandom of=/tmp/keep bs=64k count=16 2>/dev/null; "
            b"k=$(md5sum </tmp/keep); (n=0; while :; do n=$((n+1)); "
            b"f=/tmp/c$((n%2)); o=/tmp/c$(((n+1)%2)); "
            b"dd if=/dev/urandom of=$f bs=64k count=32 2>/dev/null; md5sum <$f >$f.sum; "
            b"if [ \"$(md5sum </tmp/keep)\" != \"$k\" ]; then echo BAD-keep-$n; "
            b"elif [ -e $o.sum ] && [ \"$(md5sum <$o)\" != \"$(cat $o.sum)\" ]; "
            b"then echo BAD-churn-$n; else echo OK-$n; fi; done) &\n")
OK = re.compile(r"\bOK-(\d+)\n")
BAD = re.compile(r"BAD-\w+-\d+")     # the typed command echoes BAD-keep-$n
WAITING = "cella: waiting for a migration on "

# The stream (src/vm/migrate/stream.h): a 16-byte header, then frames of
# type u32, length u32, payload, CRC-32 u32 of the three before, little
# endian. The target answers each SYNC with SYNCED.
MAGIC = b"CELLAMIG"
FORMAT = 1
HEADER = 16
CONFIG, PAGES, STATE, END, READY, GO, RUNNING, FAILED, SYNC, SYNCED = range(1, 11)


def frame(ftype, payload=b""):
    head = struct.pack("<II", ftype, len(payload))
    return head + payload + struct.pack("<I", zlib.crc32(head + payload))


# --- the test hosts ----------------------------------------------------

def tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"no `{name}` command (apt-get install iproute2)")
    return path


def sh(argv, timeout=QUICK_TIMEOUT):
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                          timeout=timeout)


def must(argv):
    r = sh(argv)
    assert r.returncode == 0, f"{' '.join(map(str, argv))}: {r.stderr.strip()}"


@dataclass
class Host:
    """A network namespace standing for a host; ip is its address on the
    veth between the two hosts (None for a namespace not on it)."""
    ns: str
    ip: str = None

    def prefix(self):
        return [shutil.which("ip"), "netns", "exec", self.ns]


class Namespaces:
    """Makes network namespaces named after this process and deletes them
    (with every interface in them) in clean_up()."""

    def __init__(self):
        if os.geteuid() != 0:
            pytest.skip("network namespaces for the test hosts need root")
        self.ip = tool("ip")
        self.made = []

    def add(self, letter, ip=None):
        name = f"cella-mig-{os.getpid()}-{letter}"
        sh([self.ip, "netns", "del", name])      # one a killed run left
        r = sh([self.ip, "netns", "add", name])
        if r.returncode != 0:
            pytest.skip(f"cannot make a network namespace: {r.stderr.strip()}")
        self.made.append(name)
        must([self.ip, "-n", name, "link", "set", "lo", "up"])
        return Host(name, ip)

    def clean_up(self):
        for name in self.made:
            sh([self.ip, "netns", "del", name])


def veth(ip, a, a_name, b, b_name):
    must([ip, "-n", a.ns, "link", "add", a_name, "type", "veth", "peer", "name", b_name,
          "netns", b.ns])
    must([ip, "-n", a.ns, "link", "set", a_name, "up"])
    must([ip, "-n", b.ns, "link", "set", b_name, "up"])


@pytest.fixture
def hosts():
    """Hosts A (NET_A) and B (NET_B), joined by a veth named mig0 on both
    sides; both namespaces are deleted after the test, passed or failed."""
    ns = Namespaces()
    try:
        a, b = ns.add("a", NET_A), ns.add("b", NET_B)
        veth(ns.ip, a, "mig0", b, "mig0")
        for h in (a, b):
            must([ns.ip, "-n", h.ns, "addr", "add", f"{h.ip}/24", "dev", "mig0"])
        yield a, b
    finally:
        ns.clean_up()


@pytest.fixture
def bridged(hosts):
    """hosts, and a third namespace C holding bridge br0 (GUEST_NET/24)
    with a veth to each of A and B; A and B each hold tap tap-A / tap-B
    bridged (br0 of their own) to their veth to C. Yields (a, b, c)."""
    if not os.path.exists("/dev/net/tun"):
        pytest.skip("no /dev/net/tun: this host cannot make tap devices")
    a, b = hosts
    ip = tool("ip")
    ns = Namespaces()
    try:
        c = ns.add("c")
        must([ip, "-n", c.ns, "link", "add", "br0", "type", "bridge"])
        for h, tap in ((a, "tap-A"), (b, "tap-B")):
            to_h = "to-" + tap[-1]
            veth(ip, c, to_h, h, "to-C")
            must([ip, "-n", c.ns, "link", "set", to_h, "master", "br0"])
            r = sh([ip, "-n", h.ns, "tuntap", "add", "dev", tap, "mode", "tap"])
            if r.returncode != 0:
                pytest.skip(f"cannot make a tap device: {r.stderr.strip()}")
            must([ip, "-n", h.ns, "link", "add", "br0", "type", "bridge"])
            for port in (tap, "to-C"):
                must([ip, "-n", h.ns, "link", "set", port, "master", "br0"])
            must([ip, "-n", h.ns, "link", "set", tap, "up"])
            must([ip, "-n", h.ns, "link", "set", "br0", "up"])
        must([ip, "-n", c.ns, "addr", "add", f"{GUEST_NET}/24", "dev", "br0"])
        must([ip, "-n", c.ns, "link", "set", "br0", "up"])
        yield a, b, c
    finally:
        ns.clean_up()


def slow_link(host, rate):
    """What host sends on mig0 goes at rate (tc's token bucket) from now on."""
    tc = tool("tc")
    r = sh([tc, "-n", host.ns, "qdisc", "add", "dev", "mig0", "root", "tbf", "rate", rate,
            "burst", "32kbit", "latency", "1s"])
    if r.returncode != 0:
        pytest.skip(f"cannot slow a link down (tc tbf): {r.stderr.strip()}")


def fast_link(host):
    must([tool("tc"), "-n", host.ns, "qdisc", "del", "dev", "mig0", "root"])


# --- machines ------------------------------------------------------------

def machine(cella, guest, host, api, *extra):
    """A machine (--mem MEM) on host (None: this namespace) with --api api,
    at its shell's prompt."""
    pre = host.prefix() if host else []
    s = Session([*pre, cella, "vm", "run", *guest.args(), "--mem", MEM, "--api", api, *extra,
                 "--append", APPEND], use_pty=False)
    at = s.expect("guest: init reached", BOOT_TIMEOUT)
    s.expect(PROMPT, TYPE_TIMEOUT, at)
    return s


def counting(cella, guest, host, api, *extra, workload=False):
    """machine(), counting on its console; with workload, the WORKLOAD
    runs beside the count (and has said OK twice)."""
    s = machine(cella, guest, host, api, *extra)
    if workload:
        s.send(WORKLOAD)
        s.expect(re.compile(r"\bOK-2\n"), TYPE_TIMEOUT)
    s.send(COUNTER)
    wait_ticks(s, 3)
    return s


def wait_stderr(s, text, timeout=QUICK):
    deadline = time.monotonic() + timeout
    while text not in s.stderr():
        if s.proc.poll() is not None or time.monotonic() > deadline:
            s.kill()
            pytest.fail(f"waiting for {text!r} on stderr\n{s.explain()}", pytrace=False)
        s._read(0.1)


def target(cella, host, uri, *extra):
    """`cella vm run --incoming uri` on host (None: this namespace), once it
    listens."""
    pre = host.prefix() if host else []
    s = Session([*pre, cella, "vm", "run", "--incoming", uri, *extra], use_pty=False)
    wait_stderr(s, WAITING + uri)
    return s


def error_line(text):
    """The one line of an error on stderr (not counting the target's line
    saying it waits); fails unless there is exactly one."""
    lines = [ln for ln in text.splitlines() if not ln.startswith(WAITING)]
    assert len(lines) == 1 and lines[0].startswith("cella: "), f"not one line:\n{text}"
    return lines[0]


def refused(t, timeout=QUICK):
    """t (a target) exits 1 with one line, and no guest ran: its console
    printed nothing. Returns the line."""
    assert t.wait(timeout) == 1, t.explain()
    assert t.buf == "", f"the target ran the guest\n{t.explain()}"
    return error_line(t.stderr())


def migrate(cella, api, uri, *flags):
    return run_cella(cella, ["vm", "migrate", "--api", api, uri, *flags], MIGRATE_TIMEOUT)


def migrate_bg(cella, api, uri, *flags):
    """`cella vm migrate` left running; wait() on it later."""
    return Session([cella, "vm", "migrate", "--api", api, uri, *flags], use_pty=False)


def completed(r):
    """The migration object a successful `cella vm migrate` printed."""
    assert r.returncode == 0, r.explain()
    m = json.loads(r.stdout)
    assert m["status"] == "completed", m
    assert m["bytes_sent"] > 0 and m["pages_sent"] > 0, m
    assert 0 <= m["downtime_ms"] <= m["total_ms"], m
    return m


def migration(api):
    status, m = request(api, "GET", "/machine")
    assert status == 200, m
    return m


def failed_and_runs_on(s, api, r, status="failed"):
    """r (the migrate command) failed with one line; the source s still
    runs: GET /machine says so, the migration says status, the count goes
    on."""
    assert r.returncode == 1, r.explain()
    assert r.stdout == "", r.explain()
    error_line(r.stderr)
    m = migration(api)
    assert m["state"] == "running" and m["migration"]["status"] == status, m
    assert m["migration"]["error"], m
    assert s.proc.poll() is None, s.explain()
    wait_ticks(s, 5)


def moved(src, dst, workload):
    """The source src has exited 0 after handing its machine to dst: dst's
    first tick follows src's last closely (no restart, no gap), the count
    goes on, and with workload the workload says OK on dst, and never BAD
    on either."""
    assert src.wait(QUICK) == 0, src.explain()
    last = max(ticks(src))
    dst.expect(TICK, TYPE_TIMEOUT)
    first = int(TICK.search(dst.buf).group(1))
    assert last - 2 <= first <= last + 2, \
        f"first tick on the target {first}, last on the source {last}\n{dst.explain()}"
    dst.expect(f"tick-{first + 10}\n", TYPE_TIMEOUT)
    counted = [int(n) for n in TICK.findall(dst.buf)]
    assert counted == list(range(first, first + len(counted))), f"a gap\n{dst.explain()}"
    if workload:
        ok = max(int(n) for n in OK.findall(src.buf))
        dst.expect(f"OK-{ok + 2}\n", TYPE_TIMEOUT)
        for s in (src, dst):
            assert not BAD.search(s.buf), f"the workload found its data changed\n{s.explain()}"


def stop(s, api):
    assert request(api, "PUT", "/machine/stop") == (200, {"state": "stopped"})
    assert s.wait(QUICK) == 0, s.explain()


# --- a guest moved there and back ------------------------------------------

@pytest.mark.parametrize("cpus,engine", [("1", "jit"), ("4", "jit"), ("1", "interp"),
                                         ("4", "interp")])
def test_there_and_back(cella, guest, hosts, tmp_path, cpus, engine):
    a, b = hosts
    api_a, api_b, api_a2 = (tmp_path / n for n in ("a.sock", "b.sock", "a2.sock"))
    src = counting(cella, guest, a, api_a, "--cpus", cpus, "--engine", engine, workload=True)
    dst = back = None
    try:
        # There: the target is given --cpus and --engine, which match.
        uri = f"tcp:{b.ip}:4100"
        dst = target(cella, b, uri, "--api", api_b, "--cpus", cpus, "--engine", engine)
        completed(migrate(cella, api_a, uri))
        moved(src, dst, workload=True)
        m = migration(api_b)
        assert m["state"] == "running" and m["harts"] == int(cpus), m
        assert m["config"]["engine"] == engine, m
        assert not api_a.exists(), "the source left its API socket behind"
        # And back, on the other engine, the harts' count from the stream.
        other = {"jit": "interp", "interp": "jit"}[engine]
        uri = f"tcp:{a.ip}:4101"
        back = target(cella, a, uri, "--api", api_a2, "--engine", other)
        completed(migrate(cella, api_b, uri))
        moved(dst, back, workload=True)
        m = migration(api_a2)
        assert m["harts"] == int(cpus) and m["config"]["engine"] == other, m
        stop(back, api_a2)
    finally:
        for s in (src, dst, back):
            if s:
                s.close()


# A client of the echo server at argv[1]:argv[2]: sends seq-n lines one at a
# time and prints echo-n for each that comes back whole; ERR and exit 1 on
# anything else.
ECHO_CLIENT = r"""
import socket, sys, time
deadline = time.monotonic() + 60
while True:
    try:
        s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
        break
    except OSError as e:
        if time.monotonic() > deadline:
            print("ERR cannot connect:", e, flush=True)
            sys.exit(1)
        time.sleep(0.3)
s.settimeout(120)
f = s.makefile("rb")
n = 0
while True:
    n += 1
    try:
        s.sendall(b"seq-%d\n" % n)
        line = f.readline()
    except OSError as e:
        print("ERR", n, e, flush=True)
        sys.exit(1)
    if line != b"seq-%d\n" % n:
        print("ERR", n, repr(line), flush=True)
        sys.exit(1)
    print("echo-%d" % n, flush=True)
    time.sleep(0.05)
"""
ECHO = re.compile(r"echo-(\d+)\n")

# Prints "rarp IFNAME MAC" for each RARP frame (ethertype 0x8035) that
# comes in on any interface of its namespace. (It takes every frame,
# ETH_P_ALL: a bridge port's frames reach only such a socket.)
RARP_SNIFFER = r"""
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
print("sniffing", flush=True)
while True:
    data, addr = s.recvfrom(2048)
    if addr[2] != socket.PACKET_OUTGOING and data[12:14] == b"\x80\x35":
        print("rarp", addr[0], data[6:12].hex(":"), flush=True)
"""


def echoes(client):
    return max((int(n) for n in ECHO.findall(client.buf)), default=0)


def hop(cella, client, sniffer, mac, src, api_src, host, api, tap, port):
    """Moves the machine at api_src (src its process) to a target on host
    with --net tap,ifname=tap; the target announces the guest's MAC, which
    reaches C on its veth to host, and the client's connection carries on
    for 20 more round trips. Returns the target."""
    uri = f"tcp:{host.ip}:{port}"
    t = target(cella, host, uri, "--api", api, "--net", f"tap,ifname={tap}")
    try:
        announced = f"rarp to-{tap[-1]} {mac}\n"
        assert announced not in sniffer.buf, sniffer.explain()
        completed(migrate(cella, api_src, uri))
        moved(src, t, workload=False)
        sniffer.expect(announced, QUICK)
        client.expect(f"echo-{echoes(client) + 20}\n", MIGRATE_TIMEOUT)
        assert "ERR" not in client.buf and client.proc.poll() is None, client.explain()
    except BaseException:
        t.close()
        raise
    return t


def test_tcp_connection_survives(cella, guest, bridged, tmp_path):
    """An echo server in the guest (busybox tcpsvd running cat) on a tap
    bridged to namespace C; a client in C keeps one connection busy while
    the guest moves from A to B (the target given its own tap) and back.
    A sniffer in C sees each target's RARP announce of the guest's MAC
    come in from the target's side."""
    a, b, c = bridged
    api_a, api_b, api_a2 = (tmp_path / n for n in ("a.sock", "b.sock", "a2.sock"))
    src = machine(cella, guest, a, api_a, "--net", "tap,ifname=tap-A")
    dst = back = client = sniffer = None
    try:
        at = len(src.buf)
        src.send(f"ip link set eth0 up && ip addr add {GUEST_IP}/24 dev eth0 && "
                 f"(tcpsvd 0 {PORT} cat &) && echo mac-is-$(cat /sys/class/net/eth0/address)\n"
                 .encode())
        src.expect(re.compile(r"mac-is-([0-9a-f:]{17})\n"), TYPE_TIMEOUT, at)
        mac = re.search(r"mac-is-([0-9a-f:]{17})\n", src.buf).group(1)
        src.send(COUNTER)
        sniffer = Session([*c.prefix(), sys.executable, "-c", RARP_SNIFFER], use_pty=False)
        sniffer.expect("sniffing\n", QUICK)
        client = Session([*c.prefix(), sys.executable, "-c", ECHO_CLIENT, GUEST_IP, str(PORT)],
                         use_pty=False)
        client.expect("echo-10\n", TYPE_TIMEOUT)
        dst = hop(cella, client, sniffer, mac, src, api_a, b, api_b, "tap-B", 4200)
        back = hop(cella, client, sniffer, mac, dst, api_b, a, api_a2, "tap-A", 4201)
        stop(back, api_a2)
    finally:
        for s in (src, dst, back, client, sniffer):
            if s:
                s.close()


# --- progress, and what the source refuses meanwhile -------------------------

def test_progress_while_active(cella, guest, hosts, tmp_path):
    """A guest (two harts) running the workload, on a link slowed to 40
    Mbit/s: each round of dirty pages takes long enough for the workload
    to dirty more than fits the downtime asked for, so the harts are
    throttled until it fits. GET /machine shows all of it going on."""
    a, b = hosts
    api_a, api_b, snap = tmp_path / "a.sock", tmp_path / "b.sock", tmp_path / "snap"
    src = counting(cella, guest, a, api_a, "--cpus", "2", workload=True)
    dst = mig = None
    try:
        slow_link(a, "40mbit")
        uri = f"tcp:{b.ip}:4300"
        dst = target(cella, b, uri, "--api", api_b)
        mig = migrate_bg(cella, api_a, uri, "--downtime", "100")
        seen = []
        deadline = time.monotonic() + MIGRATE_TIMEOUT
        while mig.proc.poll() is None and time.monotonic() < deadline:
            try:
                m = request(api_a, "GET", "/machine")[1]
            except (FileNotFoundError, ConnectionError):
                # The source has handed its machine over and left, its
                # API with it, before the client came back: the checks
                # below (the client's and the source's exit, the final
                # status) say whether that went well.
                break
            if m["migration"]["status"] == "active":
                seen.append(m["migration"])
                if len(seen) == 3:
                    # Refused while active, the migration going on.
                    for url in ("/machine/pause", "/machine/resume"):
                        assert request(api_a, "PUT", url)[0] == 409
                    assert request(api_a, "PUT", "/machine/migrate",
                                   json.dumps({"uri": uri}))[0] == 409
                    r = run_cella(cella, ["vm", "snapshot", "--api", api_a, snap], QUICK)
                    assert r.returncode == 1, r.explain()
                    error_line(r.stderr)
                    r = run_cella(cella, ["vm", "migrate", "--api", api_a, uri], QUICK)
                    assert r.returncode == 1, r.explain()
                    error_line(r.stderr)
            time.sleep(0.2)
        assert mig.wait(MIGRATE_TIMEOUT) == 0, mig.explain()
        assert len(seen) >= 3, f"active only {len(seen)} times: {seen}"
        for p in seen:
            for key in ("round", "bytes_sent", "pages_sent", "zero_pages", "dirty_pages_per_s",
                        "bandwidth_bytes_per_s", "expected_downtime_ms", "throttle_pct"):
                assert isinstance(p[key], int) and p[key] >= 0, (key, p)
        rounds = [p["round"] for p in seen]
        assert rounds == sorted(rounds) and rounds[-1] >= 2, f"rounds: {rounds}"
        sent = [p["bytes_sent"] for p in seen]
        assert sent == sorted(sent) and sent[-1] > sent[0], f"bytes_sent does not grow: {sent}"
        later = [p for p in seen if p["round"] >= 2]
        for key in ("pages_sent", "dirty_pages_per_s", "bandwidth_bytes_per_s",
                    "expected_downtime_ms", "throttle_pct"):
            assert any(p[key] > 0 for p in later), f"{key} never above 0: {later}"
        final = json.loads(mig.buf)
        assert final["status"] == "completed" and final["bytes_sent"] >= sent[-1], final
        moved(src, dst, workload=True)
        stop(dst, api_b)
    finally:
        for s in (src, dst, mig):
            if s:
                s.close()


# --- failures: the source runs on ----------------------------------------------

def wait_active(api, mig, more_than=0):
    """Waits until the migration (mig, its command) is active and has sent
    more than more_than bytes; returns its progress then."""
    deadline = time.monotonic() + MIGRATE_TIMEOUT
    while True:
        p = migration(api)["migration"]
        if p["status"] == "active" and p["bytes_sent"] > more_than:
            return p
        assert mig.proc.poll() is None, f"the migration ended first: {p}\n{mig.explain()}"
        assert time.monotonic() < deadline, f"never active: {p}"
        time.sleep(0.05)


def migrate_result(mig):
    """The Result of a migrate command started with migrate_bg."""
    mig.wait(MIGRATE_TIMEOUT)
    return Result(mig.argv, mig.proc.returncode, mig.buf, mig.stderr())


def test_target_killed_mid_stream(cella, guest, hosts, tmp_path):
    """The target is SIGKILLed while RAM is still being copied (a link
    slowed to 8 Mbit/s); then a new target on a fast link gets the
    machine."""
    a, b = hosts
    api_a, api_b = tmp_path / "a.sock", tmp_path / "b.sock"
    src = counting(cella, guest, a, api_a, workload=True)
    dst = mig = None
    try:
        slow_link(a, "8mbit")
        uri = f"tcp:{b.ip}:4400"
        dst = target(cella, b, uri)
        mig = migrate_bg(cella, api_a, uri)
        wait_active(api_a, mig, more_than=1 << 20)
        dst.kill()
        failed_and_runs_on(src, api_a, migrate_result(mig))
        fast_link(a)
        uri = f"tcp:{b.ip}:4401"
        dst.close()
        dst = target(cella, b, uri, "--api", api_b)
        completed(migrate(cella, api_a, uri))
        moved(src, dst, workload=True)
        stop(dst, api_b)
    finally:
        for s in (src, dst, mig):
            if s:
                s.close()


def test_target_failing_to_start(cella, guest, tmp_path):
    """A target that has the whole machine and the disk's lock but cannot
    start (its --api socket is the source's, where a machine listens)
    says why before it ever says it runs: the source takes its disk back
    and runs on, and the target ran no guest."""
    api, img = tmp_path / "a.sock", tmp_path / "disk.img"
    img.write_bytes(b"\0" * (1 << 20))
    uri = f"unix:{tmp_path / 'in.sock'}"
    with counting(cella, guest, None, api, "--disk", str(img)) as src:
        dst = target(cella, None, uri, "--api", str(api))
        try:
            r = migrate(cella, api, uri)
            assert "already listens" in refused(dst), dst.explain()
        finally:
            dst.close()
        failed_and_runs_on(src, api, r)
        assert "already listens" in r.stderr, r.explain()
        assert locked(img), "the source runs without its disk's lock"
        stop(src, api)


def test_nothing_listening(cella, guest, hosts, tmp_path):
    a, b = hosts
    api = tmp_path / "a.sock"
    with counting(cella, guest, a, api) as src:
        r = migrate(cella, api, f"tcp:{b.ip}:4500")
        failed_and_runs_on(src, api, r)
        assert "Connection refused" in r.stderr, r.explain()
        r = migrate(cella, api, f"unix:{tmp_path / 'none.sock'}")
        failed_and_runs_on(src, api, r)
        r = run_cella(cella, ["vm", "migrate", "--api", api, "udp:1.2.3.4:5"], QUICK)
        assert r.returncode == 1, r.explain()
        assert "udp:1.2.3.4:5" in error_line(r.stderr), r.explain()
        stop(src, api)


def test_cancel(cella, guest, hosts, tmp_path):
    """A guest dirtying memory on a link slowed to 8 Mbit/s cannot be done
    soon; migrate-cancel stops it. The target sees its stream end: one
    line, exit 1, no guest run."""
    a, b = hosts
    api = tmp_path / "a.sock"
    src = counting(cella, guest, a, api, workload=True)
    dst = mig = None
    try:
        slow_link(a, "8mbit")
        uri = f"tcp:{b.ip}:4600"
        dst = target(cella, b, uri)
        mig = migrate_bg(cella, api, uri)
        wait_active(api, mig, more_than=1 << 20)
        r = run_cella(cella, ["vm", "migrate-cancel", "--api", api], QUICK)
        assert r.returncode == 0, r.explain()
        failed_and_runs_on(src, api, migrate_result(mig), status="cancelled")
        refused(dst)
        # Nothing left to cancel.
        assert request(api, "PUT", "/machine/migrate/cancel")[0] == 409
        r = run_cella(cella, ["vm", "migrate-cancel", "--api", api], QUICK)
        assert r.returncode == 1, r.explain()
        error_line(r.stderr)
        ok = max(int(n) for n in OK.findall(src.buf))
        src.expect(f"OK-{ok + 2}\n", TYPE_TIMEOUT)
        assert not BAD.search(src.buf), src.explain()
        stop(src, api)
    finally:
        for s in (src, dst, mig):
            if s:
                s.close()


def test_target_of_another_size_refuses(cella, guest, hosts, tmp_path):
    """Targets given --mem 256M and --cpus 2 for a 128M, one-hart machine
    each refuse it; then one given the right sizes takes it."""
    a, b = hosts
    api_a, api_b = tmp_path / "a.sock", tmp_path / "b.sock"
    src = counting(cella, guest, a, api_a)
    dst = None
    try:
        for port, flags, words in ((4700, ["--mem", "256M"], ("RAM", "mem")),
                                   (4701, ["--cpus", "2"], ("hart", "cpu"))):
            uri = f"tcp:{b.ip}:{port}"
            dst = target(cella, b, uri, *flags)
            r = migrate(cella, api_a, uri)
            line = refused(dst)
            assert any(w.lower() in line.lower() for w in words), line
            failed_and_runs_on(src, api_a, r)
            dst.close()
            dst = None
        uri = f"tcp:{b.ip}:4702"
        dst = target(cella, b, uri, "--api", api_b, "--mem", MEM, "--cpus", "1")
        completed(migrate(cella, api_a, uri))
        moved(src, dst, workload=False)
        stop(dst, api_b)
    finally:
        for s in (src, dst):
            if s:
                s.close()


def in_use(cella, guest, img):
    """Another machine on img is refused: someone holds its lock."""
    r = run_cella(cella, ["vm", "run", *guest.args(), "--disk", img], QUICK)
    assert r.returncode == 1 and "in use" in error_line(r.stderr), r.explain()


def test_shared_disk_moves_with_its_lock(cella, guest, hosts, tmp_path):
    """Source and target open the same image (storage both hosts share).
    The guest appends a count to a file on it while it moves; the target
    is given no devices, so it takes the source's --disk. Another machine
    on the image is refused before the move (the source holds its lock)
    and after it (the target does); once the target's guest unmounts and
    powers off, the file holds every count in order and fsck is happy."""
    a, b = hosts
    api_a, api_b = tmp_path / "a.sock", tmp_path / "b.sock"
    img = ext4_image(tmp_path / "disk.img")
    src = machine(cella, guest, a, api_a, "--disk", img)
    dst = None
    try:
        src.send(f"{APPENDER}\n".encode())
        wait_ticks(src, 10)
        in_use(cella, guest, img)
        uri = f"tcp:{b.ip}:4900"
        dst = target(cella, b, uri, "--api", api_b)
        in_use(cella, guest, img)
        completed(migrate(cella, api_a, uri))
        moved(src, dst, workload=False)
        in_use(cella, guest, img)
        shell(dst, "touch /tmp/stop && wait && umount /mnt")
        dst.send(b"poweroff -f\n")
        assert dst.wait(QUICK) == 0, dst.explain()
        end = max(ticks(dst))
    finally:
        for s in (src, dst):
            if s:
                s.close()
    fsck = subprocess.run([blk_tool("e2fsck"), "-fn", str(img)], capture_output=True)
    assert fsck.returncode == 0, fsck.stdout.decode(errors="replace")
    counts = [int(n) for n in debugfs_cat(img, "log").split()]
    assert counts == list(range(1, len(counts) + 1)) and len(counts) >= end, counts[-5:]


# --- a fake target, and a fake source ----------------------------------------

def read_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(min(n - len(data), 1 << 20))
        if not chunk:
            raise EOFError(f"the stream ended after {len(data)} of {n} bytes")
        data += chunk
    return data


def take_stream(conn):
    """A fake target's reading: the stream on conn through its END frame
    (each SYNC answered); returns it (bytes) and its frames, (type,
    offset, size) each."""
    conn.settimeout(QUICK)
    data = bytearray(read_exactly(conn, HEADER))
    frames = []
    while True:
        head = read_exactly(conn, 8)
        ftype, n = struct.unpack("<II", head)
        frames.append((ftype, len(data), 8 + n + 4))
        data += head + read_exactly(conn, n + 4)
        if ftype == SYNC:
            conn.sendall(frame(SYNCED))
        if ftype == END:
            return bytes(data), frames


@dataclass
class Recording:
    """A stream a real source sent a fake target, up to and including its
    END frame; frames: (type, offset, size) of each. last_tick: the
    source's count when it sent END. failure: the Result of the source's
    migrate command, which failed once the fake target closed instead of
    answering READY; after: what was wrong with the source afterwards
    (None: it said running, the migration failed, and it counted on)."""
    stream: bytes
    frames: list = field(default_factory=list)
    last_tick: int = 0
    failure: object = None
    after: str = None

    def cut(self, ftype, nth=0):
        """The offset and size of the nth frame of type ftype."""
        found = [(o, n) for t, o, n in self.frames if t == ftype]
        assert len(found) > nth, f"no frame {ftype} #{nth} in {self.frames}"
        return found[nth]


@pytest.fixture(scope="module")
def recording(cella, guest, tmp_path_factory):
    """A Recording of a counting machine, sent over unix:PATH."""
    tmp = tmp_path_factory.mktemp("rec")
    api, path = tmp / "api.sock", tmp / "fake.sock"
    rec = Recording(b"")
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(str(path))
    lsock.listen(1)
    lsock.settimeout(QUICK)
    src = counting(cella, guest, None, api)
    try:
        mig = migrate_bg(cella, api, f"unix:{path}")
        conn, _ = lsock.accept()
        rec.stream, rec.frames = take_stream(conn)
        # The source waits for READY, its guest paused.
        time.sleep(0.5)
        src._read(0.2)
        rec.last_tick = max(ticks(src))
        conn.close()
        rec.failure = migrate_result(mig)
        mig.close()
        m = migration(api)
        if m["state"] != "running" or m["migration"]["status"] != "failed":
            rec.after = f"GET /machine after: {m}"
        else:
            try:
                deadline = time.monotonic() + TYPE_TIMEOUT
                while max(ticks(src)) < rec.last_tick + 5 and time.monotonic() < deadline:
                    src._read(0.2)
                if max(ticks(src)) < rec.last_tick + 5:
                    rec.after = f"no more counting\n{src.explain()}"
            except Exception as e:     # noqa: BLE001 - recorded for the test to report
                rec.after = repr(e)
        stop(src, api)
    finally:
        src.close()
        lsock.close()
    return rec


def test_target_closing_after_the_whole_stream(recording):
    """The fake target took everything up to END, then closed instead of
    answering READY: the source, which had paused its guest for the last
    pages, fails with one line and its guest runs on."""
    types = [t for t, _, _ in recording.frames]
    assert types[0] == CONFIG and types[-2:] == [STATE, END] and PAGES in types, types
    r = recording.failure
    assert r.returncode == 1 and r.stdout == "", r.explain()
    error_line(r.stderr)
    assert recording.after is None, recording.after


def test_target_closing_early(cella, guest, tmp_path):
    """A fake target that reads the header and 64 KiB, then closes."""
    api, path = tmp_path / "api.sock", tmp_path / "fake.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as lsock:
        lsock.bind(str(path))
        lsock.listen(1)
        lsock.settimeout(QUICK)
        with counting(cella, guest, None, api, workload=True) as src:
            mig = migrate_bg(cella, api, f"unix:{path}")
            try:
                conn, _ = lsock.accept()
                with conn:
                    conn.settimeout(QUICK)
                    assert read_exactly(conn, HEADER)[:8] == MAGIC
                    read_exactly(conn, 64 << 10)
                failed_and_runs_on(src, api, migrate_result(mig))
            finally:
                mig.close()
            stop(src, api)


def answer(s, want):
    """Reads the target's next frame but SYNCED (the answers to the
    recording's SYNCs), which must be of type want."""
    ftype = SYNCED
    while ftype == SYNCED:
        ftype, n = struct.unpack("<II", read_exactly(s, 8))
        payload = read_exactly(s, n + 4)[:n]
    assert ftype == want, f"frame {ftype} ({payload!r}) instead of {want}"


def locked(img):
    """Whether another holds img's lock (flock, as cella takes it)."""
    with open(img, "rb") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


@pytest.mark.parametrize("then", ["failed", "silent-after-go", "disk-taken"])
def test_target_failing_at_the_hand_over(cella, guest, tmp_path, then):
    """A fake target takes the whole stream, then answers FAILED with a
    line of its own (the source names it and runs on), or answers READY,
    takes GO and closes without RUNNING: the source cannot know whether
    the target runs, so it fails and stays paused, and runs on once told
    to resume. With a disk (disk-taken), the source let go of its lock at
    GO: while the fake target holds the image, as a target that runs the
    machine would, resume is refused (409); once it lets go, resume takes
    the lock back and the machine runs on."""
    api, path = tmp_path / "api.sock", tmp_path / "fake.sock"
    img = tmp_path / "disk.img"
    disk = []
    if then == "disk-taken":
        img.write_bytes(b"\0" * (1 << 20))
        disk = ["--disk", str(img)]
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as lsock:
        lsock.bind(str(path))
        lsock.listen(1)
        lsock.settimeout(QUICK)
        holder = None
        with counting(cella, guest, None, api, *disk) as src:
            mig = migrate_bg(cella, api, f"unix:{path}")
            try:
                conn, _ = lsock.accept()
                with conn:
                    take_stream(conn)
                    if then == "failed":
                        conn.sendall(frame(FAILED, b"cella: no room here"))
                    else:
                        conn.sendall(frame(READY))
                        answer(conn, GO)
                        if then == "disk-taken":
                            holder = open(img, "rb")
                            fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
                r = migrate_result(mig)
            finally:
                mig.close()
            if then == "failed":
                failed_and_runs_on(src, api, r)
                assert "cella: no room here" in r.stderr, r.explain()
            else:
                assert r.returncode == 1, r.explain()
                assert "paused" in error_line(r.stderr), r.explain()
                m = migration(api)
                assert m["state"] == "paused" and m["migration"]["status"] == "failed", m
                time.sleep(0.5)
                src._read(0.2)
                last = max(ticks(src))
                time.sleep(1)
                src._read(0.2)
                assert max(ticks(src)) == last, f"counting while paused\n{src.explain()}"
                if holder:
                    status, body = request(api, "PUT", "/machine/resume")
                    assert status == 409 and "in use" in body["error"], body
                    assert migration(api)["state"] == "paused"
                    holder.close()
                assert request(api, "PUT", "/machine/resume") == (200, {"state": "running"})
                wait_ticks(src, 5)
                if holder:
                    assert locked(img), "the source runs without its disk's lock"
            stop(src, api)


def feed(path, data, after_ready=None):
    """A fake source: connects to the target at unix path, sends data and,
    with after_ready (bytes), waits for READY and sends those too; then
    closes. Given GO, it waits for RUNNING before closing."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(QUICK)
        s.connect(str(path))
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            return    # the target stopped reading: what it says is checked
        if after_ready is not None:
            answer(s, READY)
            s.sendall(after_ready)
            if after_ready == frame(GO):
                answer(s, RUNNING)


def fed(cella, tmp_path, data, after_ready=None):
    """A target on unix:PATH, fed by a fake source; returns it."""
    path = tmp_path / "in.sock"
    t = target(cella, None, f"unix:{path}")
    feed(path, data, after_ready)
    return t


def test_whole_recording_with_handover_runs(cella, recording, tmp_path):
    """The control for the cut and damaged streams below: the recording
    whole, with the hand-over the fake source plays, makes a target run the
    guest, counting on from where the recording's source stopped."""
    path = tmp_path / "in.sock"
    with target(cella, None, f"unix:{path}") as t:
        feed(path, recording.stream, frame(GO))
        t.expect(TICK, TYPE_TIMEOUT)
        first = int(TICK.search(t.buf).group(1))
        last = recording.last_tick
        assert last - 2 <= first <= last + 2, f"first {first} after {last}\n{t.explain()}"
        t.expect(f"tick-{first + 5}\n", TYPE_TIMEOUT)


CUTS = {
    "nothing": lambda r: 0,
    "in-header": lambda r: 10,
    "in-config": lambda r: r.cut(CONFIG)[0] + 6,
    "in-pages": lambda r: r.cut(PAGES)[0] + r.cut(PAGES)[1] // 2,
    "before-state": lambda r: r.cut(STATE)[0],
    "in-state": lambda r: r.cut(STATE)[0] + r.cut(STATE)[1] - 1,
    "before-end": lambda r: r.cut(END)[0],
    "no-handover": lambda r: len(r.stream),
}


@pytest.mark.parametrize("cut", CUTS)
def test_cut_stream_is_refused(cella, recording, tmp_path, cut):
    n = CUTS[cut](recording)
    assert refused(fed(cella, tmp_path, recording.stream[:n]))


@pytest.mark.parametrize("then", ["close", "failed", "go-cut"])
def test_no_hand_over_after_ready(cella, recording, tmp_path, then):
    """The fake source sends the whole recording, waits for READY, and then
    instead of GO closes, sends FAILED, or sends half a GO: the target
    never runs the guest (the source may still run it)."""
    after = {"close": b"", "failed": frame(FAILED, b"changed my mind"),
             "go-cut": frame(GO)[:6]}[then]
    line = refused(fed(cella, tmp_path, recording.stream, after))
    assert {"close": "before the hand-over", "failed": "instead of the hand-over",
            "go-cut": "before the hand-over"}[then] in line, line


def damaged(r, kind):
    s = r.stream
    if kind == "garbage":
        return b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + bytes(range(256)) * 16
    if kind == "format-2":
        return s[:8] + struct.pack("<I", FORMAT + 1) + s[12:]
    if kind == "checksum":
        o, n = r.cut(PAGES)
        flip = o + n // 2
        return s[:flip] + bytes([s[flip] ^ 1]) + s[flip + 1:]
    if kind == "unknown-frame":
        return s[:HEADER] + frame(99, b"x" * 16)
    if kind == "pages-first":
        o, n = r.cut(PAGES)
        return s[:HEADER] + s[o:o + n]
    if kind == "page-past-ram":
        o, n = r.cut(CONFIG)
        past = (256 << 20) // 4096      # twice MEM, in pages
        return s[:o + n] + frame(PAGES, struct.pack("<Q", past << 1 | 1))
    raise AssertionError(kind)


# What the line says, in part, when the kind of damage is sure to be named.
SAYS = {"format-2": "format 2", "checksum": "checksum", "garbage": "not a cella migration stream",
        "unknown-frame": "unknown type 99", "page-past-ram": "past the end of RAM"}


@pytest.mark.parametrize("kind", ["garbage", "format-2", "checksum", "unknown-frame",
                                  "pages-first", "page-past-ram"])
def test_bad_stream_is_refused(cella, recording, tmp_path, kind):
    line = refused(fed(cella, tmp_path, damaged(recording, kind)))
    assert SAYS.get(kind, "") in line, line


def test_incoming_refuses_a_kernel(cella, guest, tmp_path):
    r = run_cella(cella, ["vm", "run", "--incoming", f"unix:{tmp_path / 'in.sock'}",
                          *guest.args()], QUICK)
    assert r.returncode == 1 and r.stdout == "", r.explain()
    assert "--incoming" in error_line(r.stderr), r.explain()


def test_incoming_unix_path_taken(cella, tmp_path):
    """--incoming unix:PATH where something listens, or where a file that
    is no socket stands, is refused with one line (neither is replaced);
    a stale socket (nobody listening) is replaced."""
    live, plain, stale = tmp_path / "live.sock", tmp_path / "plain", tmp_path / "stale.sock"
    plain.write_text("x")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(str(live))
        s.listen(1)
        for path, why in ((live, "a machine already listens there"),
                          (plain, "exists and is not a socket")):
            r = run_cella(cella, ["vm", "run", "--incoming", f"unix:{path}"], QUICK)
            assert r.returncode == 1, r.explain()
            line = error_line(r.stderr)
            assert line.startswith("cella: --incoming ") and line.endswith(f"unix:{path}: {why}"), r.explain()
        assert plain.read_text() == "x"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(str(stale))
    t = target(cella, None, f"unix:{stale}")
    t.kill()
    t.close()
