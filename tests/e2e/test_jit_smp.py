"""Translated code on several harts: four harts each run a loop of new
processes at once (every exec makes Linux fence the instruction caches of
all harts through the SBI, and each hart's blocks must go), and every
result must be what the same work gives on the host."""
import hashlib

from conftest import boot

HARTS = 4
ROUNDS = 20


def expected(p):
    lines = "".join(hashlib.md5(f"{p}.{i}\n".encode()).hexdigest() + "  -\n"
                    for i in range(1, ROUNDS + 1))
    return hashlib.md5(lines.encode()).hexdigest()


def test_processes_on_four_harts_compute_what_the_host_does(cella, guest):
    # cmd= turns commas into spaces: the guest runs this with sh -c
    job = (f"for p in $(seq {HARTS}); do (i=0; while [ $i -lt {ROUNDS} ]; do i=$((i+1)); "
           "echo $p.$i | md5sum; done | md5sum > /tmp/r$p) & done; wait; "
           "for p in $(seq {HARTS}); do echo result $p $(cat /tmp/r$p); done")
    job = job.replace("{HARTS}", str(HARTS)).replace(" ", ",")
    r = boot(cella, guest, job, "--cpus", str(HARTS))
    assert r.returncode == 0, r.explain()
    assert "guest: cmd exit 0" in r.stdout, r.explain()
    got = {}
    for line in r.lines():
        f = line.split()
        if len(f) >= 3 and f[0] == "result":
            got[int(f[1])] = f[2]
    assert got == {p: expected(p) for p in range(1, HARTS + 1)}, r.explain()
