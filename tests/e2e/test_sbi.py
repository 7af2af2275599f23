"""The SBI the monitor answers when no firmware runs, called directly by a
small S-mode program given as --kernel (an ELF, so this also covers ELF
kernels): BASE, DBCN, HSM, IPI, TIME, RFENCE and SRST, over two harts. The
program reports on the console; any failed step prints "sbi: FAIL <letter>"
(A for step 1, B for step 2, ..., Z for hart 1)."""
from conftest import QUICK_TIMEOUT, build_elf, run_cella

SBI_PROGRAM = r"""
#define SBI(eid, fid) li a7, eid; li a6, fid; ecall
#define STEP(n) li gp, n
#define EXPECT_OK bnez a0, fail
    .data
    .balign 8
extensions:
    .dword 0x10, 0x54494d45, 0x735049, 0x52464e43, 0x48534d, 0x53525354
    .dword 0x4442434e, 0
flag1: .dword 0
flag2: .dword 0
tick:  .dword 0
hello: .ascii "sbi: hello from S-mode\n"     /* 23 bytes */
done: .ascii "sbi: all passed\n"            /* 16 bytes */
fail_msg: .ascii "sbi: FAIL "              /* 10 bytes */
    .balign 16
    .space 4096
stack0_top:
    .space 4096
stack1_top:
    .section .text.init
    .globl _start
_start:
    la sp, stack0_top
    /* 1: BASE spec version is 2.0 */
    STEP(1)
    SBI(0x10, 0)
    EXPECT_OK
    li t0, 0x02000000
    bne a1, t0, fail
    /* 2: every extension the monitor implements probes as present */
    STEP(2)
    la s1, extensions
1:  ld a0, 0(s1)
    beqz a0, 2f
    SBI(0x10, 3)
    EXPECT_OK
    li t0, 1
    bne a1, t0, fail
    addi s1, s1, 8
    j 1b
2:  /* 3: an unknown one does not */
    STEP(3)
    li a0, 0x0badcafe
    SBI(0x10, 3)
    EXPECT_OK
    bnez a1, fail
    /* 4: DBCN console_write returns the bytes written */
    STEP(4)
    li a0, 23
    la a1, hello
    li a2, 0
    SBI(0x4442434e, 0)
    EXPECT_OK
    li t0, 23
    bne a1, t0, fail
    /* 5: hart 1 starts stopped */
    STEP(5)
    li a0, 1
    SBI(0x48534d, 2)
    EXPECT_OK
    li t0, 1
    bne a1, t0, fail
    /* 6: hart_start(1, hart1, opaque): it stores opaque in flag1 */
    STEP(6)
    li a0, 1
    la a1, hart1
    li a2, 0x1234
    SBI(0x48534d, 0)
    EXPECT_OK
    la t1, flag1
    li t0, 0x1234
3:  ld t2, 0(t1)
    bne t2, t0, 3b
    /* 7: starting it again is refused (already available) */
    STEP(7)
    li a0, 1
    la a1, hart1
    li a2, 0
    SBI(0x48534d, 0)
    li t0, -6
    bne a0, t0, fail
    /* 8: an IPI reaches hart 1 as a supervisor software interrupt */
    STEP(8)
    li a0, 2
    li a1, 0
    SBI(0x735049, 0)
    EXPECT_OK
    la t1, flag2
4:  ld t2, 0(t1)
    beqz t2, 4b
    /* 9: a hart mask naming a hart that does not exist is refused */
    STEP(9)
    li a0, 1
    li a1, 8
    SBI(0x735049, 0)
    li t0, -3
    bne a0, t0, fail
    /* 10: the SBI timer raises a supervisor timer interrupt */
    STEP(10)
    la t0, trap0
    csrw stvec, t0
    li t0, 0x20
    csrs sie, t0
    rdtime a0
    li t0, 20000
    add a0, a0, t0
    SBI(0x54494d45, 0)
    EXPECT_OK
    csrsi sstatus, 2
    la t1, tick
5:  wfi
    ld t2, 0(t1)
    beqz t2, 5b
    csrci sstatus, 2
    /* 11: remote sfence.vma on both harts */
    STEP(11)
    li a0, 3
    li a1, 0
    li a2, 0
    li a3, -1
    SBI(0x52464e43, 1)
    EXPECT_OK
    /* 12: remote fence.i on all harts (base -1) */
    STEP(12)
    li a0, 0
    li a1, -1
    SBI(0x52464e43, 0)
    EXPECT_OK
    /* 13: hart_start at an odd address is refused (invalid address) */
    STEP(13)
    li a0, 1
    la a1, hart1
    addi a1, a1, 1
    li a2, 0
    SBI(0x48534d, 0)
    li t0, -5
    bne a0, t0, fail
    li a0, 16
    la a1, done
    li a2, 0
    SBI(0x4442434e, 0)
    /* SRST shutdown: the machine powers off, exit status 0 */
    li a0, 0
    li a1, 0
    SBI(0x53525354, 0)
6:  j 6b

    .balign 4
trap0:
    csrr t3, scause
    li t4, 0x8000000000000005
    bne t3, t4, fail
    la t3, tick
    li t4, 1
    sd t4, 0(t3)
    li a0, -1
    SBI(0x54494d45, 0)
    sret

hart1:
    la sp, stack1_top
    li gp, 26               /* hart 1 reports as "Z" */
    li t0, 1
    bne a0, t0, fail
    la t1, flag1
    sd a1, 0(t1)
    la t0, trap1
    csrw stvec, t0
    csrsi sie, 2
    csrsi sstatus, 2
7:  wfi
    j 7b
    .balign 4
trap1:
    csrr t0, scause
    li t1, 0x8000000000000001
    bne t0, t1, fail
    csrci sip, 2
    la t1, flag2
    li t0, 1
    sd t0, 0(t1)
    sret

fail:
    li a0, 10
    la a1, fail_msg
    li a2, 0
    SBI(0x4442434e, 0)
    addi a0, gp, 'A' - 1
    SBI(0x4442434e, 2)
    li a0, '\n'
    SBI(0x4442434e, 2)
    li a0, 0
    li a1, 0
    SBI(0x53525354, 0)
8:  j 8b

"""


def test_sbi_calls_from_a_kernel(cella, tmp_path):
    elf = build_elf(tmp_path, "sbi", SBI_PROGRAM)
    r = run_cella(cella, ["vm", "run", "--cpus", "2", "--kernel", str(elf)], QUICK_TIMEOUT)
    assert "sbi: FAIL" not in r.stdout, r.explain()
    assert "sbi: hello from S-mode" in r.stdout, r.explain()
    assert "sbi: all passed" in r.stdout, r.explain()
    assert r.returncode == 0, r.explain()
