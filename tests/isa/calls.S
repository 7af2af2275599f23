/* Calls and returns (JAL/JALR linking in ra or t0, returns through
 * them), which the translator runs through a return-address stack of
 * its own: recursion deeper than that stack, a callee that returns
 * somewhere else than where it was called from (past the call, always
 * or every other time, or two calls up), calls through a register and through ra itself, t0 as the
 * link, a callee the interpreter runs part of, a call to the next
 * instruction, and a call that is the last instruction of its page. */
#include "test.h"

TEST_BEGIN
    la sp, stack_top

    /* 1: fib(15) = 610, recursing two ways */
    li a0, 15
    jal ra, fib
    CHECK(1, a0, 610)

    /* 2: sum(1..300) = 45150, 300 calls deep */
    li a0, 300
    jal ra, sum
    CHECK(2, a0, 45150)

    /* 3: a callee that returns past the instruction after its call */
    li a0, 0
    li s1, 0
    li s2, 50
    .option push
    .option norvc
3:  jal ra, skip_one
    li a0, 99               /* skipped: 4 bytes */
    .option pop
    addi s1, s1, 1
    addi s2, s2, -1
    bnez s2, 3b
    CHECK(3, a0, 0)
    CHECK(4, s1, 50)

    /* 14: a callee that returns past the instruction after its call on
     * every other call only: where the call returns to is the same
     * site, now matching, now not */
    li s1, 0
    li s3, 0
    li s2, 40
    .option push
    .option norvc
14: jal ra, skip_if_odd
    addi s3, s3, 1          /* skipped when s2 is odd */
    .option pop
    addi s1, s1, 1
    addi s2, s2, -1
    bnez s2, 14b
    CHECK(14, s1, 40)
    CHECK(15, s3, 20)

    /* 5: a callee's callee returns straight to the first caller */
    li s1, 0
    li s2, 40
5:  jal ra, outer
    addi s1, s1, 1
    addi s2, s2, -1
    bnez s2, 5b
    CHECK(5, s1, 40)
    CHECK(6, a0, 7)

    /* 7: calls through a register, from a table, and through ra */
    li s1, 0
    li s2, 30
7:  la t1, table
    andi t2, s2, 1
    slli t2, t2, 3
    add t1, t1, t2
    ld t1, 0(t1)
    jalr ra, 0(t1)          /* add_one or add_two */
    la ra, add_one
    jalr ra, 0(ra)          /* rd == rs1 */
    addi s2, s2, -1
    bnez s2, 7b
    CHECK(7, s1, 30 * 2 + 15)

    /* 8: t0 as the link, a return through it */
    li s1, 0
    li s2, 25
8:  jal t0, add_one_t0
    addi s2, s2, -1
    bnez s2, 8b
    CHECK(8, s1, 25)

    /* 9: a callee with an instruction the translator leaves to the
     * interpreter (a CSR it does not do) before it returns */
    li s1, 0
    li s2, 20
9:  jal ra, with_csr
    addi s2, s2, -1
    bnez s2, 9b
    CHECK(9, s1, 20)
    CHECK(10, s3, 0x5a)

    /* 11: a call to the next instruction, which never returns */
    li s1, 0
    jal ra, 11f
11: auipc t1, 0
    addi s1, s1, 1
    CHECK(11, s1, 1)
    bne ra, t1, test_fail

    /* 12: a call that ends its page returns to the next page */
    li s1, 0
    li s2, 10
12: jal ra, page_end
    addi s2, s2, -1
    bnez s2, 12b
    CHECK(12, s1, 20)

    /* 13: instret counts each instruction once, calls and returns too:
     * the csrr, the li, then 10 times jal, addi, ret, addi, bnez */
    csrr s6, instret
    li s2, 10
13: jal ra, add_one
    addi s2, s2, -1
    bnez s2, 13b
    csrr s7, instret
    sub s7, s7, s6
    CHECK(13, s7, 2 + 10 * 5)
    TEST_PASS

/* fib(a0), recursively */
fib:
    li t0, 2
    blt a0, t0, 1f
    addi sp, sp, -24
    sd ra, 0(sp)
    sd a0, 8(sp)
    addi a0, a0, -1
    jal ra, fib
    sd a0, 16(sp)
    ld a0, 8(sp)
    addi a0, a0, -2
    jal ra, fib
    ld t0, 16(sp)
    add a0, a0, t0
    ld ra, 0(sp)
    addi sp, sp, 24
1:  ret

/* a0 + (a0 - 1) + ... + 1, recursively */
sum:
    beqz a0, 1f
    addi sp, sp, -16
    sd ra, 0(sp)
    sd a0, 8(sp)
    addi a0, a0, -1
    jal ra, sum
    ld t0, 8(sp)
    add a0, a0, t0
    ld ra, 0(sp)
    addi sp, sp, 16
1:  ret

skip_one:
    addi ra, ra, 4
    ret

skip_if_odd:
    andi t0, s2, 1
    beqz t0, 1f
    addi ra, ra, 4
1:  ret

/* outer calls inner, which returns to outer's caller */
outer:
    mv s4, ra
    jal ra, inner
    li a0, 99               /* never run */
    ret
inner:
    li a0, 7
    mv ra, s4
    ret

add_one:
    addi s1, s1, 1
    ret
add_two:
    addi s1, s1, 2
    ret
add_one_t0:
    addi s1, s1, 1
    jr t0

with_csr:
    addi s1, s1, 1
    li s3, 0x5a
    csrw mscratch, s3
    csrr s3, mscratch
    ret

    .option push
    .option norvc
    .balign 4096
    .skip 4096 - 12
page_end:
    mv s5, ra
    addi s1, s1, 1
    jal ra, 1f              /* the page's last instruction */
    mv ra, s5               /* the next page's first */
    ret
1:  addi s1, s1, 1
    ret
    .option pop
TEST_END

    .data
    .balign 8
table:
    .dword add_one, add_two
    .balign 16
    .skip 8192
stack_top:
