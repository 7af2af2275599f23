/* Shared macros for the bare-metal ISA tests. A test program starts in
 * M-mode at _start, keeps the current case number in gp (x3), and ends by
 * writing tohost: 1 for pass, (case << 1) | 1 for failure of that case.
 * `cella vm run --bios prog.elf` exits 0 on pass, 4 on failure; QEMU's
 * `-M spike -bios none -kernel prog.elf` runs the same programs. */
#ifndef CELLA_ISA_TEST_H
#define CELLA_ISA_TEST_H

/* Start of the program: default trap handler (any unexpected trap fails
 * with case number 0x7ff), gp = 0. */
#define TEST_BEGIN                          \
    .section .text.init;                    \
    .globl _start;                          \
_start:                                     \
    la t0, test_unexpected_trap;            \
    csrw mtvec, t0;                         \
    li gp, 0;

/* Compare register reg with the value val; fail as case n otherwise.
 * Uses t6. */
#define CHECK(n, reg, val)                  \
    li gp, n;                               \
    li t6, val;                             \
    bne reg, t6, test_fail;

/* Compute "insn" and check rd against val: TEST_RR(n, add, 3, 1, 2). */
#define TEST_RR(n, insn, val, a, b)         \
    li a1, a; li a2, b;                     \
    insn a0, a1, a2;                        \
    CHECK(n, a0, val)
#define TEST_RI(n, insn, val, a, imm)       \
    li a1, a;                               \
    insn a0, a1, imm;                       \
    CHECK(n, a0, val)
#define TEST_R(n, insn, val, a)             \
    li a1, a;                               \
    insn a0, a1;                            \
    CHECK(n, a0, val)

/* End of the program: the pass/fail exits and the tohost word. */
#define TEST_END                            \
test_pass:                                  \
    li t0, 1;                               \
    la t1, tohost;                          \
    sd t0, 0(t1);                           \
1:  j 1b;                                   \
test_fail:                                  \
    slli gp, gp, 1;                         \
    ori gp, gp, 1;                          \
    la t1, tohost;                          \
    sd gp, 0(t1);                           \
1:  j 1b;                                   \
    .balign 4;                              \
test_unexpected_trap:                       \
    li gp, 0x7ff;                           \
    j test_fail;                            \
    .section .tohost, "aw", @progbits;      \
    .balign 8;                              \
    .globl tohost;                          \
tohost: .dword 0;                           \
    .size tohost, 8;                        \
    .globl fromhost;                        \
fromhost: .dword 0;                         \
    .size fromhost, 8;                      \
    .text;

#define TEST_PASS j test_pass;

#endif
