/* FENCE.I after code the translator has made blocks of: a loop calls a
 * routine 100 times (from the second pass on, its blocks go straight
 * into each other), then the program rewrites an instruction of the
 * loop's body and one of the routine, runs fence.i, and the loop must
 * run the new ones. Then once more, over blocks of the rewritten code. */
#include "test.h"

TEST_BEGIN
    li s0, 0
    li s1, 0
    jal ra, run_loop
    CHECK(1, s0, 100)
    CHECK(2, s1, 100)
    /* body: addi s0, s0, 2; routine: addi s1, s1, 3 */
    la t0, new_code
    la t2, body
    lw t1, 0(t0)
    sw t1, 0(t2)
    la t2, routine
    lw t1, 4(t0)
    sw t1, 0(t2)
    fence.i
    jal ra, run_loop
    CHECK(3, s0, 300)
    CHECK(4, s1, 400)
    /* body: addi s0, s0, 5 */
    la t2, body
    lw t1, 8(t0)
    sw t1, 0(t2)
    fence.i
    jal ra, run_loop
    CHECK(5, s0, 800)
    CHECK(6, s1, 700)
    TEST_PASS

    .balign 4
    .option push
    .option norvc
run_loop:
    mv s3, ra
    li s2, 100
body:
    addi s0, s0, 1
    jal ra, routine
    addi s2, s2, -1
    bnez s2, body
    mv ra, s3
    ret
routine:
    addi s1, s1, 1
    ret
new_code:   /* never run here: copied over body and routine */
    addi s0, s0, 2
    addi s1, s1, 3
    addi s0, s0, 5
    .option pop
TEST_END
