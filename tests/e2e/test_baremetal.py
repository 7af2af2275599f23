"""Bare-metal programs under --bios: the tohost convention's exit statuses,
and guests that do wrong things (jump to nowhere, execute garbage, touch
holes in the memory map): the monitor must raise the right exception in the
guest, and never crash, hang past a kill, or trip a sanitizer."""
import os
import random
import signal
import subprocess
import time

import pytest

from conftest import QUICK_TIMEOUT, build_elf, check_clean, run_cella

# A program that expects one exception: mtvec points at a handler that
# passes (tohost = 1) when mcause is EXPECTED and fails otherwise with
# case 0x100 + mcause; falling through BODY fails with case 0x7f.
EXPECT_TRAP = """
    .section .text.init, "ax"
    .globl _start
_start:
    la t0, on_trap
    csrw mtvec, t0
{body}
    li a0, (0x7f << 1) | 1
    j finish
    .balign 4
on_trap:
    csrr t0, mcause
    li t1, {cause}
    li a0, 1
    beq t0, t1, finish
    andi t0, t0, 0xff
    addi t0, t0, 0x100
    slli a0, t0, 1
    ori a0, a0, 1
finish:
    la t1, tohost
    sd a0, 0(t1)
1:  j 1b
"""

INSN_ACCESS_FAULT, ILLEGAL_INSN, LOAD_ACCESS_FAULT, STORE_ACCESS_FAULT = 1, 2, 5, 7

# name: (body, expected mcause, extra cella options)
FAULTS = {
    "jump-to-address-0": ("    li t0, 0\n    jr t0", INSN_ACCESS_FAULT, []),
    "fetch-from-mmio": ("    li t0, 0x02000000\n    jr t0", INSN_ACCESS_FAULT, []),
    "all-zero-instruction": ("    .word 0", ILLEGAL_INSN, []),
    "all-ones-instruction": ("    .word 0xffffffff", ILLEGAL_INSN, []),
    "load-from-hole": ("    li t0, 0x05000000\n    ld t1, 0(t0)", LOAD_ACCESS_FAULT, []),
    "store-to-hole": ("    li t0, 0x05000000\n    sd zero, 0(t0)", STORE_ACCESS_FAULT, []),
    "load-past-end-of-ram": ("    li t0, 0x81000000\n    ld t1, 0(t0)", LOAD_ACCESS_FAULT,
                             ["--mem", "16M"]),
    "store-past-end-of-ram": ("    li t0, 0x81000000\n    sd zero, 0(t0)", STORE_ACCESS_FAULT,
                              ["--mem", "16M"]),
    "load-from-high-address": ("    li t0, 0x4000000000000000\n    ld t1, 0(t0)",
                               LOAD_ACCESS_FAULT, []),
}


def test_tohost_pass_exits_0(cella, tmp_path):
    elf = build_elf(tmp_path, "pass", """
    .section .text.init, "ax"
    .globl _start
_start:
    li a0, 1
    la t1, tohost
    sd a0, 0(t1)
1:  j 1b
""")
    r = run_cella(cella, ["vm", "run", "--bios", elf], QUICK_TIMEOUT)
    assert r.returncode == 0, r.explain()


def test_tohost_fail_exits_4(cella, tmp_path):
    elf = build_elf(tmp_path, "fail", """
    .section .text.init, "ax"
    .globl _start
_start:
    li a0, (5 << 1) | 1
    la t1, tohost
    sd a0, 0(t1)
1:  j 1b
""")
    r = run_cella(cella, ["vm", "run", "--bios", elf], QUICK_TIMEOUT)
    assert r.returncode == 4, r.explain()


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_guest_fault_is_raised_in_guest(cella, tmp_path, name):
    body, cause, opts = FAULTS[name]
    elf = build_elf(tmp_path, name, EXPECT_TRAP.format(body=body, cause=cause))
    r = run_cella(cella, ["vm", "run", *opts, "--bios", elf], QUICK_TIMEOUT)
    assert r.returncode == 0, f"want mcause {cause} (exit 4 = another trap or none)\n{r.explain()}"


def run_for_a_while(cella, elf, seconds):
    """Runs a program that may never finish; returns its exit status, or
    None when it was still running after `seconds` (then it is killed)."""
    argv = [cella, "vm", "run", "--bios", str(elf)]
    with open(elf.with_suffix(".err"), "w+b") as err:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=err, start_new_session=True)
        try:
            rc = p.wait(seconds)
        except subprocess.TimeoutExpired:
            rc = None
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(QUICK_TIMEOUT)
        err.seek(0)
        check_clean(argv, rc, err.read().decode(errors="replace"))
    return rc


def test_trap_storm_without_handler(cella, tmp_path):
    # mtvec = 0: the illegal instruction traps to address 0, which faults
    # and traps to 0 again, forever. The monitor must just keep running.
    elf = build_elf(tmp_path, "storm", """
    .section .text.init, "ax"
    .globl _start
_start:
    csrw mtvec, zero
    .word 0
""")
    t0 = time.monotonic()
    rc = run_for_a_while(cella, elf, 3)
    assert rc is None, f"exited with status {rc} after {time.monotonic() - t0:.1f} s"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_instructions(cella, tmp_path, seed):
    # 16 KiB of random words executed in M-mode; every trap skips 4 bytes
    # and goes on. Whatever the guest does to itself, the monitor may end
    # it (power-off, reboot, test fail) or keep running it, but not crash.
    rnd = random.Random(seed)
    words = "\n".join(f"    .word {rnd.getrandbits(32):#010x}" for _ in range(4096))
    elf = build_elf(tmp_path, f"random{seed}", f"""
    .section .text.init, "ax"
    .globl _start
_start:
    la t0, on_trap
    csrw mtvec, t0
    j garbage
    .balign 4
on_trap:
    csrrw t0, mscratch, t0
    csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    csrrw t0, mscratch, t0
    mret
    .balign 4
garbage:
{words}
    j garbage
""")
    rc = run_for_a_while(cella, elf, 5)
    assert rc in (None, 0, 3, 4), f"exit status {rc}: a monitor error caused by guest code"
