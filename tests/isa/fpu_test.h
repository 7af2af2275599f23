/* Macros for the F/D ISA tests (tests/isa/fpu_*.S), on top of test.h.
 * Operands are given as raw IEEE bit patterns; fmt is S or D. Single
 * results are checked with their NaN-boxing (all 64 bits of the register).
 * Every TEST_* macro clears fflags first and then checks both the result
 * and the flags the instruction raised, failing as case n. They use
 * fa0-fa3, a0, a1, t0, t5, t6. An optional last argument is the static
 * rounding mode (rne, rtz, rdn, rup, rmm, dyn). */
#ifndef CELLA_ISA_FPU_TEST_H
#define CELLA_ISA_FPU_TEST_H

#include "test.h"

/* mstatus.FS = Initial: the FPU is usable. */
#define FPU_ON                              \
    li t0, 0x2000;                          \
    csrs mstatus, t0;

#define BOX_S 0xffffffff00000000

/* Load raw bits into an FP register. */
#define LOAD_S(freg, bits)                  \
    li t0, bits;                            \
    fmv.w.x freg, t0;
#define LOAD_D(freg, bits)                  \
    li t0, bits;                            \
    fmv.d.x freg, t0;

/* Check an FP register's 64 bits against a single (boxed) or a double. */
#define CHECK_S(n, freg, bits)              \
    fmv.x.d t5, freg;                       \
    CHECK(n, t5, (BOX_S | (bits)))
#define CHECK_D(n, freg, bits)              \
    fmv.x.d t5, freg;                       \
    CHECK(n, t5, bits)

/* Check the accrued flags. */
#define CHECK_FLAGS(n, flags)               \
    csrr t5, fflags;                        \
    CHECK(n, t5, flags)

/* flag values */
#define NX 1
#define UF 2
#define OF 4
#define DZ 8
#define NV 16

/* fa3 = insn(fa0 [, fa1 [, fa2]]) */
#define TEST_F1(n, fmt, insn, res, flags, a, ...)       \
    LOAD_##fmt(fa0, a)                                  \
    csrwi fflags, 0;                                    \
    insn fa3, fa0, ##__VA_ARGS__;                       \
    CHECK_##fmt(n, fa3, res)                            \
    CHECK_FLAGS(n, flags)
#define TEST_F2(n, fmt, insn, res, flags, a, b, ...)    \
    LOAD_##fmt(fa0, a)                                  \
    LOAD_##fmt(fa1, b)                                  \
    csrwi fflags, 0;                                    \
    insn fa3, fa0, fa1, ##__VA_ARGS__;                  \
    CHECK_##fmt(n, fa3, res)                            \
    CHECK_FLAGS(n, flags)
#define TEST_F3(n, fmt, insn, res, flags, a, b, c, ...) \
    LOAD_##fmt(fa0, a)                                  \
    LOAD_##fmt(fa1, b)                                  \
    LOAD_##fmt(fa2, c)                                  \
    csrwi fflags, 0;                                    \
    insn fa3, fa0, fa1, fa2, ##__VA_ARGS__;             \
    CHECK_##fmt(n, fa3, res)                            \
    CHECK_FLAGS(n, flags)

/* a0 = insn(fa0 [, fa1]): conversions to integer, compares, fclass */
#define TEST_X1(n, fmt, insn, res, flags, a, ...)       \
    LOAD_##fmt(fa0, a)                                  \
    csrwi fflags, 0;                                    \
    insn a0, fa0, ##__VA_ARGS__;                        \
    CHECK(n, a0, res)                                   \
    CHECK_FLAGS(n, flags)
#define TEST_X2(n, fmt, insn, res, flags, a, b)         \
    LOAD_##fmt(fa0, a)                                  \
    LOAD_##fmt(fa1, b)                                  \
    csrwi fflags, 0;                                    \
    insn a0, fa0, fa1;                                  \
    CHECK(n, a0, res)                                   \
    CHECK_FLAGS(n, flags)

/* fa3 = insn(a1): conversions from integer; fmt is the result's. */
#define TEST_FX(n, fmt, insn, res, flags, x, ...)       \
    li a1, x;                                           \
    csrwi fflags, 0;                                    \
    insn fa3, a1, ##__VA_ARGS__;                        \
    CHECK_##fmt(n, fa3, res)                            \
    CHECK_FLAGS(n, flags)

/* Trap capture for tests that expect an exception: TRAP_EXPECT points
 * mtvec at a handler that records mcause in s2, mtval in s3 and mepc in
 * s4, skips the trapping instruction (2 or 4 bytes) and returns. s2 is -1
 * until a trap happens. TRAP_HANDLER goes once in the program, outside
 * the straight-line code. */
#define TRAP_EXPECT                         \
    la t0, fpu_trap_handler;                \
    csrw mtvec, t0;                         \
    li s2, -1;                              \
    li s3, -1;                              \
    li s4, -1;
#define TRAP_RESTORE                        \
    la t0, test_unexpected_trap;            \
    csrw mtvec, t0;
#define TRAP_HANDLER                        \
    .balign 4;                              \
fpu_trap_handler:                           \
    csrr s2, mcause;                        \
    csrr s3, mtval;                         \
    csrr s4, mepc;                          \
    lhu t0, 0(s4);                          \
    andi t0, t0, 3;                         \
    addi t1, s4, 2;                         \
    li t5, 3;                               \
    bne t0, t5, 1f;                         \
    addi t1, s4, 4;                         \
1:  csrw mepc, t1;                          \
    mret;

/* Check that the instruction at label lbl trapped as illegal (mcause 2,
 * mtval = its encoding, mepc = lbl). len is 2 or 4. Uses a0. */
#define CHECK_ILLEGAL(n, lbl, len)          \
    CHECK(n, s2, 2)                         \
    la a0, lbl;                             \
    bne s4, a0, test_fail;                  \
    .if len == 2;                           \
    lhu a0, 0(a0);                          \
    .else;                                  \
    lwu a0, 0(a0);                          \
    .endif;                                 \
    bne s3, a0, test_fail;

#endif
