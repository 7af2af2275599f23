/* FENCE.I: code that has already run (so its decoded form is cached) is
 * rewritten in place; after fence.i the new instructions run. Covers a
 * 32-bit and a compressed instruction. */
#include "test.h"

TEST_BEGIN
    /* first run: patched returns 1 and 10 */
    jal ra, patched
    CHECK(1, a0, 1)
    CHECK(2, a1, 10)
    /* rewrite: addi a0, zero, 2 (32-bit) and c.li a1, 20 (16-bit) */
    la t0, patch32
    li t1, 0x00200513
    sw t1, 0(t0)
    la t0, patch16
    li t1, 0x45d1
    sh t1, 0(t0)
    fence.i
    jal ra, patched
    CHECK(3, a0, 2)
    CHECK(4, a1, 20)
    /* and back again, twice, to be sure each fence takes effect */
    la t0, patch32
    li t1, 0x00300513       /* addi a0, zero, 3 */
    sw t1, 0(t0)
    fence.i
    jal ra, patched
    CHECK(5, a0, 3)
    TEST_PASS

    .balign 4
patched:
    .option push
    .option norvc
patch32:
    addi a0, zero, 1
    .option rvc
patch16:
    c.li a1, 10
    .option pop
    ret
TEST_END
