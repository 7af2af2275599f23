/* Writes to minstret and mcycle. A CSR instruction that writes a counter
 * does so instead of that instruction's own increment, so the value
 * written is exactly what the next instruction reads (unprivileged spec,
 * Zicsr, "CSR Instructions" and "CSR Access Ordering"); a read returns the
 * count before the reading instruction. instret and cycle are the same
 * counters. Cella counts one cycle per retired instruction, so mcycle is
 * checked as exactly as minstret, and each counter keeps counting on its
 * own when the other is written. The loops at the end run in the
 * translator (a loop body is translated on its second pass). */
#include "priv_test.h"

    TEST_BEGIN

    /* ================= minstret ================= */
    csrwi minstret, 0
    csrr a0, minstret
    CHECK(1, a0, 0)

    li a1, 0x123456789
    csrw minstret, a1
    csrr a0, minstret
    CHECK(2, a0, 0x123456789)

    csrw minstret, a1
    nop
    nop
    nop
    csrr a0, minstret
    CHECK(3, a0, 0x123456789 + 3)

    /* two reads in a row: the first one retired */
    csrwi minstret, 0
    csrr a0, minstret
    csrr a2, minstret
    CHECK(4, a0, 0)
    CHECK(5, a2, 1)

    /* csrrw reads the count before itself, then its write replaces it */
    csrwi minstret, 0
    csrrw a0, minstret, a1
    csrr a2, minstret
    CHECK(6, a0, 0)
    CHECK(7, a2, 0x123456789)

    /* the set and clear forms write old | mask and old & ~mask */
    csrwi minstret, 0
    csrrsi a0, minstret, 0x10
    csrr a2, minstret
    CHECK(8, a0, 0)
    CHECK(9, a2, 0x10)
    csrwi minstret, 0x1f
    csrrci a0, minstret, 3
    csrr a2, minstret
    CHECK(10, a0, 0x1f)
    CHECK(11, a2, 0x1c)

    /* the all-ones value is read as written, then wraps to 0 */
    li a1, -1
    csrw minstret, a1
    csrr a0, minstret
    csrr a2, minstret
    CHECK(12, a0, -1)
    CHECK(13, a2, 0)

    /* instret is minstret */
    csrwi minstret, 5
    csrr a0, instret
    CHECK(14, a0, 5)

    /* ================= mcycle ================= */
    csrwi mcycle, 0
    csrr a0, mcycle
    CHECK(15, a0, 0)

    li a1, 0x987654321
    csrw mcycle, a1
    nop
    nop
    nop
    csrr a0, mcycle
    CHECK(16, a0, 0x987654321 + 3)

    csrwi mcycle, 0
    csrrw a0, mcycle, a1
    csrr a2, mcycle
    CHECK(17, a0, 0)
    CHECK(18, a2, 0x987654321)

    /* cycle is mcycle */
    csrwi mcycle, 9
    csrr a0, cycle
    CHECK(19, a0, 9)

    /* ================= the two counters apart ================= */
    /* writing mcycle leaves minstret counting, and the other way round */
    csrr a0, minstret
    csrwi mcycle, 0
    csrr a2, minstret
    sub a2, a2, a0
    CHECK(20, a2, 2)
    csrr a0, mcycle
    csrwi minstret, 0
    csrr a2, mcycle
    sub a2, a2, a0
    CHECK(21, a2, 2)
    csrwi minstret, 0
    csrwi mcycle, 0x10
    csrr a0, minstret
    csrr a2, mcycle
    CHECK(22, a0, 1)
    CHECK(23, a2, 0x11)

    /* ================= in the translator ================= */
    /* 100 passes of a two-instruction loop after a write */
    li t0, 100
    csrwi minstret, 0
1:  addi t0, t0, -1
    bnez t0, 1b
    csrr a0, minstret
    CHECK(24, a0, 200)

    li t0, 100
    csrwi mcycle, 0
1:  addi t0, t0, -1
    bnez t0, 1b
    csrr a0, mcycle
    CHECK(25, a0, 200)

    /* a write on every pass, three translated instructions, then a read */
    li gp, 26
    li t0, 50
1:  csrw minstret, t0
    addi t1, t0, 1
    addi t2, t0, 2
    add t3, t1, t2
    csrr a0, minstret
    addi t4, t0, 3
    bne a0, t4, test_fail
    csrw mcycle, t3
    addi t1, t0, 1
    addi t2, t0, 2
    csrr a0, mcycle
    addi t4, t3, 2
    bne a0, t4, test_fail
    addi t0, t0, -1
    bnez t0, 1b

    TEST_PASS
    TEST_END
