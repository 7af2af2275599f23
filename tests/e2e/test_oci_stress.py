"""Container starts in a row, two at a time: two threads each `run` their own
trivial container (echo) RUNS_PER_THREAD times. Every run must exit 0 with
its output, and nothing may be left in --root or in the cgroups. For
start failures that come now and then and races between two runtimes (the
sealed self-copy's EBUSY was one such failure, though at a few in a million
starts these runs would seldom meet it)."""
import threading
import time

from oci_bundle import cgroup_dirs

THREADS = 2
# 600 runs in all: about 7 s with the plain build and 22 s with the ASan
# one on the 2-core machine (the suite runs under both).
RUNS_PER_THREAD = 300


def test_many_runs_in_parallel_pairs(oci):
    bundles = [oci.bundle("echo", f"ok-{t}") for t in range(THREADS)]
    failures = []
    done = [0] * THREADS

    def runs(t):
        b = bundles[t]
        try:
            for i in range(RUNS_PER_THREAD):
                r = oci.run(b)
                if r.returncode != 0 or r.stdout != f"ok-{t}\n":
                    failures.append(f"thread {t}, run {i + 1}:\n{r.explain()}")
                    return
                done[t] += 1
        except BaseException as e:     # pytest.fail and failed checks, raised in a thread
            failures.append(f"thread {t}, run {done[t] + 1}: {e}")

    t0 = time.monotonic()
    threads = [threading.Thread(target=runs, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    took = time.monotonic() - t0
    assert not failures, (f"{len(failures)} thread(s) stopped at a failed run "
                          f"(runs done: {done}, {took:.1f} s):\n" + "\n".join(failures))
    assert done == [RUNS_PER_THREAD] * THREADS
    oci.assert_no_state()
    for b in bundles:
        assert cgroup_dirs(b.cgroups_path) == [], f"cgroup {b.cgroups_path} left behind"
    print(f"{THREADS * RUNS_PER_THREAD} runs in {took:.1f} s")
