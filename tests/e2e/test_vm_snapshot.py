"""Snapshots of a running machine (`cella vm snapshot --api PATH DIR`) and
restore (`cella vm run --restore DIR`): the guest counts on its console;
after a snapshot the machine is SIGKILLed, and a restored one goes on
counting from where the snapshot was taken, twice from the same snapshot,
with one hart or four and under both engines. A directory holding a
snapshot is refused unless forced; a damaged or missing one is refused
with one line."""
import pytest

from conftest import Session, run_cella
from test_vm_api import TICK, TYPE_TIMEOUT, counting_machine, request, ticks

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
