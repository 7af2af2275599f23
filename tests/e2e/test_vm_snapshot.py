"""Snapshots of a running machine (`cella vm snapshot --api PATH DIR`) and
restore (`cella vm run --restore DIR`): the guest counts on its console;
after a snapshot the machine is SIGKILLed, and a restored one goes on
counting from where the snapshot was taken, twice from the same snapshot,
with one hart or four and under both engines. A directory holding a
snapshot is refused unless forced; a damaged or missing one is refused
with one line. The devices carry across: a host forward still reaches a
server in the guest; a file the guest holds open on a 9p share stays
readable; a guest appending to a file on a disk goes on, on the image or
on a copy given with --disk, and the file is whole; a disk now smaller
is refused. A snapshot that fails (its file system full) leaves the
machine running and no state file behind."""
import re
import shutil
import subprocess
import time
import urllib.request

import pytest

from conftest import Session, run_cella
from test_virtio_blk import debugfs_cat, ext4_image, sha256, tool
from test_virtio_net import DHCP, free_port
from test_vm_api import (TICK, TYPE_TIMEOUT, counting_machine, prompt_machine, request,
                         ticks, wait_ticks)

QUICK = 60


def snapshot(cella, api, path, *flags):
    r = run_cella(cella, ["vm", "snapshot", "--api", api, path, *flags], QUICK)
    assert r.returncode == 0, r.explain()
    return r.stdout.strip()


def restored(cella, snap, *extra):
    return Session([cella, "vm", "run", "--restore", snap, *extra], use_pty=False)


def goes_on_from(s, last):
    """The restored machine's first tick follows last (no restart from 1,
    no gap: a tick or two printed after the snapshot are printed again)."""
    at = s.expect(TICK, TYPE_TIMEOUT)
    first = int(TICK.search(s.buf).group(1))
    assert last - 3 <= first <= last + 2, f"first tick {first} after {last}\n{s.explain()}"
    s.expect(f"tick-{first + 5}", TYPE_TIMEOUT, at)


@pytest.mark.parametrize("cpus,engine", [("1", "jit"), ("4", "jit"), ("4", "interp")])
def test_restore_goes_on_counting(cella, guest, tmp_path, cpus, engine):
    api, snap = tmp_path / "api.sock", tmp_path / "snap"
    s = counting_machine(cella, guest, api, "--cpus", cpus, "--engine", engine)
    try:
        assert snapshot(cella, api, snap) == "running"
        status, m = request(api, "GET", "/machine")
        assert m["state"] == "running", m
        s._read(0.3)
        last = max(ticks(s))
    finally:
        s.kill()
        s.close()
    assert (snap / "state").exists() and (snap / "memory").exists()
    for _ in range(2):      # each restore a private copy of RAM
        r = restored(cella, snap, "--engine", engine)
        try:
            goes_on_from(r, last)
        finally:
            r.kill()
            r.close()


def test_snapshot_stop_and_force(cella, guest, tmp_path):
    api, snap = tmp_path / "api.sock", tmp_path / "snap"
    s = counting_machine(cella, guest, api)
    try:
        assert snapshot(cella, api, snap) == "running"
        r = run_cella(cella, ["vm", "snapshot", "--api", api, snap], QUICK)
        assert r.returncode == 1 and r.stderr.count("\n") == 1, r.explain()
        assert "holds a snapshot already (force to replace it)" in r.stderr, r.explain()
        s._read(0.3)
        last = max(ticks(s))
        assert snapshot(cella, api, snap, "--force", "--stop") == "stopped"
        assert s.wait(QUICK) == 0
    finally:
        s.close()
    r = restored(cella, snap)
    try:
        goes_on_from(r, last)
    finally:
        r.kill()
        r.close()


def test_bad_snapshots_are_refused(cella, guest, tmp_path):
    api, snap = tmp_path / "api.sock", tmp_path / "snap"
    s = counting_machine(cella, guest, api)
    try:
        snapshot(cella, api, snap, "--stop")
        assert s.wait(QUICK) == 0
    finally:
        s.close()
    state = (snap / "state").read_bytes()

    def refused(why, *extra):
        r = run_cella(cella, ["vm", "run", "--restore", snap, *extra], QUICK)
        assert r.returncode == 1 and r.stderr.count("\n") == 1 and why in r.stderr, r.explain()

    (snap / "state").write_bytes(state[:-1])
    refused("truncated")
    damaged = bytearray(state)
    damaged[len(state) // 2] ^= 1
    (snap / "state").write_bytes(bytes(damaged))
    refused("checksum mismatch (corrupted)")
    (snap / "state").write_bytes(state)
    refused("--mem cannot be given with it", "--mem", "512M")
    refused("the snapshot has 0 devices, 1 given", "--disk", snap / "state")
    (snap / "memory").unlink()
    refused("cannot open")
    r = run_cella(cella, ["vm", "run", "--restore", tmp_path / "none"], QUICK)
    assert r.returncode == 1 and "No such file or directory" in r.stderr, r.explain()


def shell(s, cmd):
    """Runs cmd at the guest's prompt; returns what it printed. Fails
    unless it exits 0."""
    start = len(s.buf)
    s.send(f"{cmd}; echo cmd-status-$?\n".encode())
    end = s.expect(re.compile(r"cmd-status-\d+"), TYPE_TIMEOUT, start)
    out = s.buf[start:end]
    assert out.endswith("cmd-status-0"), f"{cmd!r} failed\n{s.explain()}"
    return out


def snapshot_and_kill(cella, s, api, snap):
    try:
        assert snapshot(cella, api, snap) == "running"
    finally:
        s.kill()
        s.close()


def fetch(port):
    deadline = time.monotonic() + 30
    while True:
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_hostfwd_reaches_guest_after_restore(cella, guest, tmp_path):
    api, snap, port = tmp_path / "api.sock", tmp_path / "snap", free_port()
    s = prompt_machine(cella, guest, api, "--net", f"user,hostfwd=tcp:127.0.0.1:{port}-:8080")
    try:
        shell(s, f"{DHCP.replace(',', ' ')} && mkdir /tmp/www && "
                 "echo served-by-the-guest >/tmp/www/index.html && httpd -p 8080 -h /tmp/www")
        assert fetch(port).decode().strip() == "served-by-the-guest"
    finally:
        snapshot_and_kill(cella, s, api, snap)
    r = restored(cella, snap)
    try:
        assert fetch(port).decode().strip() == "served-by-the-guest", r.explain()
    finally:
        r.kill()
        r.close()


def test_open_9p_file_readable_after_restore(cella, guest, tmp_path):
    api, snap, share = tmp_path / "api.sock", tmp_path / "snap", tmp_path / "share"
    share.mkdir()
    (share / "f").write_text("line-one\nline-two\n")
    s = prompt_machine(cella, guest, api, "--share", f"{share},tag=hostshare")
    try:
        out = shell(s, "mount -t 9p -o trans=virtio hostshare /mnt && exec 3</mnt/f && "
                       "read -r first <&3 && echo got-$first")
        assert "got-line-one" in out, s.explain()
    finally:
        snapshot_and_kill(cella, s, api, snap)
    r = restored(cella, snap)
    try:
        out = shell(r, "sed 's/^/rest-/' <&3")
        assert "rest-line-two" in out and "rest-line-one" not in out, r.explain()
    finally:
        r.kill()
        r.close()


# Appends a counter to a file on the disk in the background, until
# /tmp/stop exists.
APPENDER = ("mount /dev/vda /mnt && (i=0; while [ ! -e /tmp/stop ]; do i=$((i+1)); "
            "echo $i >>/mnt/log; echo tick-$i; sleep 0.05; done) &")


def test_disk_after_restore(cella, guest, tmp_path):
    """The snapshot ends the machine (--stop), so the image is as the
    snapshot's RAM last saw it; a restored guest goes on appending to a
    copy of it, and after a sync the file holds every count in order."""
    api, snap = tmp_path / "api.sock", tmp_path / "snap"
    img = ext4_image(tmp_path / "disk.img")
    s = prompt_machine(cella, guest, api, "--disk", img)
    try:
        s.send(f"{APPENDER}\n".encode())
        wait_ticks(s, 10)
        assert snapshot(cella, api, snap, "--stop") == "stopped"
        assert s.wait(TYPE_TIMEOUT) == 0
        last = max(ticks(s))
    finally:
        s.close()
    copy = tmp_path / "copy.img"
    shutil.copy(img, copy)
    before = sha256(img)
    r = restored(cella, snap, "--disk", copy)
    try:
        goes_on_from(r, last)
        shell(r, "touch /tmp/stop && wait && umount /mnt")
        r.send(b"poweroff -f\n")
        assert r.wait(TYPE_TIMEOUT) == 0
        end = max(ticks(r))
    finally:
        r.close()
    assert sha256(img) == before, "the image itself changed"
    fsck = subprocess.run([tool("e2fsck"), "-fn", str(copy)], capture_output=True)
    assert fsck.returncode == 0, fsck.stdout.decode(errors="replace")
    counts = [int(n) for n in debugfs_cat(copy, "log").split()]
    assert counts == list(range(1, len(counts) + 1)) and len(counts) >= end, counts[-5:]

    small = tmp_path / "small.img"
    shutil.copy(img, small)
    with open(small, "r+b") as f:
        f.truncate(img.stat().st_size - (1 << 20))
    r = run_cella(cella, ["vm", "run", "--restore", snap, "--disk", small], QUICK)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.explain()
    want = f"the snapshot's disk has {img.stat().st_size} bytes, this one {small.stat().st_size}"
    assert want in r.stderr, r.explain()


def test_snapshot_that_fails_leaves_the_machine_running(cella, guest, tmp_path):
    """A snapshot into a file system too small for it (a 1 MiB tmpfs) fails
    with one line; the machine goes on counting, and the directory holds
    no state file, so nothing could restore a half snapshot."""
    full = tmp_path / "full"
    full.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", full], check=True)
    api = tmp_path / "api.sock"
    try:
        s = counting_machine(cella, guest, api)
        try:
            r = run_cella(cella, ["vm", "snapshot", "--api", api, full / "snap"], QUICK)
            assert r.returncode == 1 and r.stderr.count("\n") == 1, r.explain()
            assert "No space left on device" in r.stderr, r.explain()
            assert request(api, "GET", "/machine")[1]["state"] == "running"
            s._read(0.3)
            s.expect(f"tick-{max(ticks(s)) + 3}", TYPE_TIMEOUT)
            assert not (full / "snap" / "state").exists()
            r = run_cella(cella, ["vm", "run", "--restore", full / "snap"], QUICK)
            assert r.returncode == 1 and "snap/state" in r.stderr, r.explain()
        finally:
            s.kill()
            s.close()
    finally:
        subprocess.run(["umount", full], check=True)
