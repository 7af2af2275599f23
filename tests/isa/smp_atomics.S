/* SMP: run with --cpus 4 (the runner does so for smp_* programs). Every
 * hart adds 1 to three shared counters N times each: with amoadd.d, with an
 * lr.d/sc.d loop, and with a plain load/add/store inside a spinlock taken
 * with amoswap.w.aq and released with amoswap.w.rl. Hart 0 waits for all
 * four, then checks each counter is exactly 4 * N: any lost update (a
 * broken AMO, an SC that succeeds wrongly, a lock that lets two in) shows. */
#include "test.h"

#define N 200000
#define HARTS 4

TEST_BEGIN
    csrr s0, mhartid
    la s1, count_amo
    la s2, count_lrsc
    la s3, count_locked
    la s4, lock
    li s5, N
loop:
    li t0, 1
    amoadd.d zero, t0, (s1)
1:  lr.d t1, (s2)
    addi t1, t1, 1
    sc.d t2, t1, (s2)
    bnez t2, 1b
2:  li t0, 1
    amoswap.w.aq t0, t0, (s4)
    bnez t0, 2b
    ld t1, 0(s3)
    addi t1, t1, 1
    sd t1, 0(s3)
    amoswap.w.rl zero, zero, (s4)
    addi s5, s5, -1
    bnez s5, loop

    la t0, done
    li t1, 1
    amoadd.d zero, t1, (t0)
    bnez s0, park

    li t2, HARTS
3:  ld t1, 0(t0)
    bne t1, t2, 3b
    ld a0, 0(s1)
    CHECK(1, a0, HARTS * N)
    ld a0, 0(s2)
    CHECK(2, a0, HARTS * N)
    ld a0, 0(s3)
    CHECK(3, a0, HARTS * N)
    TEST_PASS
park:
    wfi
    j park
TEST_END

    .data
    .balign 64
count_amo:    .dword 0
    .balign 64
count_lrsc:   .dword 0
    .balign 64
count_locked: .dword 0
    .balign 64
lock:         .word 0
    .balign 64
done:         .dword 0
