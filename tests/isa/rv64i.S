/* RV64I base integer instructions: register-register and immediate ALU
 * operations (64-bit and W forms), shifts, LUI/AUIPC, every branch (taken
 * and not taken, signed and unsigned edges), JAL/JALR, loads and stores of
 * every width, writes to x0, FENCE and FENCE.I with self-modifying code. */
#include "test.h"

/* 32-bit encodings only: the compressed forms are tested in rvc.S */
    .option norvc

/* Branch taken: `insn a1, a2, target` must jump. */
#define TEST_BR_TAKEN(n, insn, a, b)    \
    li gp, n;                           \
    li a1, a; li a2, b;                 \
    insn a1, a2, 1f;                    \
    j test_fail;                        \
1:

/* Branch not taken: falls through to the next instruction. */
#define TEST_BR_NOT(n, insn, a, b)      \
    li gp, n;                           \
    li a1, a; li a2, b;                 \
    insn a1, a2, 2f;                    \
    j 1f;                               \
2:  j test_fail;                        \
1:

/* Load of width insn from tdat + off. */
#define TEST_LD(n, insn, val, off)      \
    la a1, tdat;                        \
    insn a0, off(a1);                   \
    CHECK(n, a0, val)

    TEST_BEGIN

    /* ---- ADD / SUB ---- */
    TEST_RR(1, add, 3, 1, 2)
    TEST_RR(2, add, 0x8000000000000000, 0x7fffffffffffffff, 1)  /* wraps */
    TEST_RR(3, add, 0, -1, 1)
    TEST_RR(4, add, -2, -1, -1)
    TEST_RR(5, sub, -1, 0, 1)
    TEST_RR(6, sub, 0x7fffffffffffffff, 0x8000000000000000, 1)
    TEST_RR(7, sub, 0, 0x123456789abcdef0, 0x123456789abcdef0)
    TEST_RR(8, sub, 0x8000000000000000, 0, 0x8000000000000000)

    /* ---- SLL / SRL / SRA: 64-bit, shift amount = low 6 bits of rs2 ---- */
    TEST_RR(9,  sll, 0x8000000000000000, 1, 63)
    TEST_RR(10, sll, 1, 1, 64)                      /* 64 & 63 = 0 */
    TEST_RR(11, sll, 2, 1, 65)
    TEST_RR(12, sll, 0x8000000000000000, 1, -1)     /* -1 & 63 = 63 */
    TEST_RR(13, sll, 0x23456789abcdef00, 0x123456789abcdef0, 4)
    TEST_RR(14, srl, 1, 0x8000000000000000, 63)
    TEST_RR(15, srl, 0x7fffffffffffffff, -1, 1)
    TEST_RR(16, srl, -1, -1, 64)
    TEST_RR(17, srl, 0x0123456789abcdef, 0x123456789abcdef0, 4)
    TEST_RR(18, sra, -1, 0x8000000000000000, 63)
    TEST_RR(19, sra, 0xf000000000000000, 0x8000000000000000, 3)
    TEST_RR(20, sra, 0x3fffffffffffffff, 0x7fffffffffffffff, 1)
    TEST_RR(21, sra, 0x8000000000000000, 0x8000000000000000, 0x40) /* 0 */

    /* ---- SLT / SLTU ---- */
    TEST_RR(22, slt, 1, -1, 1)
    TEST_RR(23, slt, 0, 1, -1)
    TEST_RR(24, slt, 0, 5, 5)
    TEST_RR(25, slt, 1, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(26, sltu, 0, -1, 1)
    TEST_RR(27, sltu, 1, 1, -1)
    TEST_RR(28, sltu, 0, 0, 0)
    TEST_RR(29, sltu, 1, 0x7fffffffffffffff, 0x8000000000000000)

    /* ---- XOR / OR / AND ---- */
    TEST_RR(30, xor, 0xf00ff00ff00ff00f, 0xff00ff00ff00ff00, 0x0f0f0f0f0f0f0f0f)
    TEST_RR(31, or,  0xff0fff0fff0fff0f, 0xff00ff00ff00ff00, 0x0f0f0f0f0f0f0f0f)
    TEST_RR(32, and, 0x0f000f000f000f00, 0xff00ff00ff00ff00, 0x0f0f0f0f0f0f0f0f)
    TEST_RR(33, xor, 0, -1, -1)

    /* ---- W forms: operate on the low 32 bits, sign-extend the result ---- */
    TEST_RR(34, addw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RR(35, addw, 3, 0xffffffff00000001, 0x100000002)  /* upper bits ignored */
    TEST_RR(36, addw, 0, 0xffffffff, 1)
    TEST_RR(37, subw, -1, 0, 1)
    TEST_RR(38, subw, 0x7fffffff, 0x80000000, 1)
    TEST_RR(39, subw, 0xffffffff80000000, 0x7fffffff, -1)
    TEST_RR(40, sllw, 0xffffffff80000000, 1, 31)
    TEST_RR(41, sllw, 1, 1, 32)                     /* shamt = rs2 & 31 */
    TEST_RR(42, sllw, 0x12345678, 0xabcdef0012345678, 0)
    TEST_RR(43, srlw, 1, 0xffffffff80000000, 31)
    TEST_RR(44, srlw, 0xffffffff80000000, 0x80000000, 0)  /* result sign-extended */
    TEST_RR(45, srlw, 0x7fffffff, -1, 1)
    TEST_RR(46, srlw, 1, 0x1234567800000010, 36)    /* 36 & 31 = 4 */
    TEST_RR(47, sraw, -1, 0x80000000, 31)
    TEST_RR(48, sraw, 0, 0x7fffffff, 31)
    TEST_RR(49, sraw, 0xffffffffc0000000, 0x0000000080000000, 33)
    TEST_RR(50, sraw, 0x12345678, 0xffffffff12345678, 0)

    /* ---- immediate forms (12-bit sign-extended immediate) ---- */
    TEST_RI(51, addi, -2048, 0, -2048)
    TEST_RI(52, addi, 2047, 0, 2047)
    TEST_RI(53, addi, 0x8000000000000000, 0x7fffffffffffffff, 1)
    TEST_RI(54, addi, 0x7fffffffffffffff, 0x8000000000000000, -1)
    TEST_RI(55, slti, 1, -1, 0)
    TEST_RI(56, slti, 0, 0, -1)
    TEST_RI(57, slti, 1, 0x8000000000000000, -2048)
    TEST_RI(58, slti, 0, 2047, 2047)
    TEST_RI(59, sltiu, 1, 0, 1)
    TEST_RI(60, sltiu, 1, 0x7fffffffffffffff, -1)   /* imm = 0xfff...f */
    TEST_RI(61, sltiu, 0, -1, -1)
    TEST_RI(62, sltiu, 0, 1, 0)
    TEST_RI(63, xori, 0xedcba9876543210f, 0x123456789abcdef0, -1)
    TEST_RI(64, xori, 0x123456789abcd90f, 0x123456789abcdef0, 0x7ff)
    TEST_RI(65, ori, 0xfffffffffffff800, 0x0, -2048)
    TEST_RI(66, ori, 0x123456789abcdff0, 0x123456789abcdef0, 0x1f0)
    TEST_RI(67, andi, 0x123456789abcd800, 0x123456789abcdef0, -2048)
    TEST_RI(68, andi, 0xf0, 0x123456789abcdef0, 0xff)
    TEST_RI(69, slli, 0x8000000000000000, 1, 63)
    TEST_RI(70, slli, 0x123456789abcdef0, 0x123456789abcdef0, 0)
    TEST_RI(71, slli, 0x9abcdef000000000, 0x123456789abcdef0, 32)
    TEST_RI(72, srli, 1, 0x8000000000000000, 63)
    TEST_RI(73, srli, 0x00000000ffffffff, -1, 32)
    TEST_RI(74, srai, -1, 0x8000000000000000, 63)
    TEST_RI(75, srai, 0xffffffff80000000, 0x8000000000000000, 32)
    TEST_RI(76, srai, 0x3fffffff, 0x7fffffffffffffff, 33)
    TEST_RI(77, addiw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RI(78, addiw, 0xffffffff80000000, 0x80000000, 0)     /* sext.w */
    TEST_RI(79, addiw, 0, 0xffffffff00000000, 0)
    TEST_RI(80, addiw, -1, 0, -1)
    TEST_RI(81, addiw, 0x7ffff800, 0x80000000, -2048)
    TEST_RI(82, slliw, 0xffffffff80000000, 1, 31)
    TEST_RI(83, slliw, 0xffffffffbcdef000, 0x0123456789abcdef, 12)
    TEST_RI(84, slliw, 0xffffffff89abcdef, 0x0123456789abcdef, 0)
    TEST_RI(85, srliw, 0xffffffff80000000, 0x80000000, 0)
    TEST_RI(86, srliw, 1, 0x80000000, 31)
    TEST_RI(87, srliw, 0x0000000000ffffff, 0xffffffffffffffff, 8)
    TEST_RI(88, sraiw, -1, 0x80000000, 31)
    TEST_RI(89, sraiw, 0xffffffffff800000, 0x1234567880000000, 8)
    TEST_RI(90, sraiw, 0x00000000007fffff, 0xffffffff7fffffff, 8)

    /* ---- LUI: imm << 12, sign-extended from bit 31 ---- */
    li gp, 91
    lui a0, 0x80000
    CHECK(91, a0, 0xffffffff80000000)
    lui a0, 0x7ffff
    CHECK(92, a0, 0x7ffff000)
    lui a0, 0xfffff
    CHECK(93, a0, 0xfffffffffffff000)
    lui a0, 0
    CHECK(94, a0, 0)

    /* ---- AUIPC: pc + (imm << 12) of the auipc itself ---- */
1:  auipc a0, 0
    la a1, 1b
    li gp, 95
    bne a0, a1, test_fail
1:  auipc a0, 1
    la a1, 1b
    sub a0, a0, a1
    CHECK(96, a0, 0x1000)
1:  auipc a0, 0x80000                  /* offset -2 GiB, sign-extended */
    la a1, 1b
    sub a0, a0, a1
    CHECK(97, a0, 0xffffffff80000000)

    /* ---- branches ---- */
    TEST_BR_TAKEN(98,  beq, 5, 5)
    TEST_BR_NOT(99,    beq, 5, 6)
    TEST_BR_NOT(100,   beq, 0, 0x100000000)     /* all 64 bits compared */
    TEST_BR_TAKEN(101, bne, 0, 0x100000000)
    TEST_BR_NOT(102,   bne, -1, -1)
    TEST_BR_TAKEN(103, blt, -1, 1)
    TEST_BR_NOT(104,   blt, 1, -1)
    TEST_BR_NOT(105,   blt, 7, 7)
    TEST_BR_TAKEN(106, blt, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BR_TAKEN(107, bge, 1, -1)
    TEST_BR_TAKEN(108, bge, 7, 7)
    TEST_BR_NOT(109,   bge, -1, 1)
    TEST_BR_NOT(110,   bge, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BR_TAKEN(111, bltu, 1, -1)
    TEST_BR_NOT(112,   bltu, -1, 1)
    TEST_BR_NOT(113,   bltu, 7, 7)
    TEST_BR_TAKEN(114, bltu, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_BR_TAKEN(115, bgeu, -1, 1)
    TEST_BR_TAKEN(116, bgeu, 7, 7)
    TEST_BR_NOT(117,   bgeu, 1, -1)
    TEST_BR_NOT(118,   bgeu, 0, 1)

    /* backward taken branch: a loop runs exactly 5 times */
    li gp, 119
    li a0, 0
    li a1, 5
1:  addi a0, a0, 1
    blt a0, a1, 1b
    CHECK(119, a0, 5)

    /* ---- JAL: link = pc + 4, jumps forward and backward ---- */
    li gp, 120
2:  jal ra, 1f
3:  j test_fail
1:  la a1, 3b
    bne ra, a1, test_fail
    li gp, 121
    j 2f
1:  jal t0, 3f                         /* backward target reached */
2:  jal x0, 1b
    j test_fail
3:  la a1, 2b
    bne t0, a1, test_fail

    /* ---- JALR: target = (rs1 + imm) & ~1, link = pc + 4 ---- */
    li gp, 122
    la a1, 1f
    jalr ra, 0(a1)
2:  j test_fail
1:  la a2, 2b
    bne ra, a2, test_fail
    li gp, 123                         /* odd target: bit 0 cleared */
    la a1, 1f
    addi a1, a1, 1
    jalr ra, 0(a1)
    j test_fail
1:  li gp, 124                         /* positive offset */
    la a1, 1f
    addi a1, a1, -100
    jalr ra, 100(a1)
    j test_fail
1:  li gp, 125                         /* negative offset, and odd sum */
    la a1, 1f
    addi a1, a1, 2047
    jalr ra, -2046(a1)                 /* 1f + 1 */
    j test_fail
1:  li gp, 126                         /* rd == rs1: target uses old rs1 */
    la a0, 1f
    jalr a0, 0(a0)
2:  j test_fail
1:  la a1, 2b
    bne a0, a1, test_fail

    /* ---- loads: every width, sign and zero extension, offsets ---- */
    TEST_LD(127, lb,  0xffffffffffffffff, 0)
    TEST_LD(128, lbu, 0xff, 0)
    TEST_LD(129, lb,  0x77, 8)
    TEST_LD(130, lb,  0xffffffffffffff88, 7)
    TEST_LD(131, lbu, 0x88, 7)
    TEST_LD(132, lh,  0xffffffffffffeeff, 0)
    TEST_LD(133, lhu, 0xeeff, 0)
    TEST_LD(134, lh,  0x6677, 8)
    TEST_LD(135, lh,  0xffffffffffff8899, 6)
    TEST_LD(136, lhu, 0x8899, 6)
    TEST_LD(137, lw,  0xffffffffccddeeff, 0)
    TEST_LD(138, lwu, 0xccddeeff, 0)
    TEST_LD(139, lw,  0xffffffff8899aabb, 4)
    TEST_LD(140, lwu, 0x8899aabb, 4)
    TEST_LD(141, lw,  0x44556677, 8)
    TEST_LD(142, lwu, 0x00112233, 12)
    TEST_LD(143, ld,  0x8899aabbccddeeff, 0)
    TEST_LD(144, ld,  0x0011223344556677, 8)
    la a1, tdat + 8                    /* negative offset */
    lw a0, -4(a1)
    CHECK(145, a0, 0xffffffff8899aabb)
    la a1, tdat                        /* largest offsets: +2047, -2048 */
    addi a1, a1, -2047
    lbu a0, 2047(a1)
    CHECK(146, a0, 0xff)
    la a1, tdat + 15
    addi a1, a1, 2047
    addi a1, a1, 1
    lb a0, -2048(a1)
    CHECK(147, a0, 0)
    la a1, tdat + 14
    addi a1, a1, 2047
    addi a1, a1, 1
    lb a0, -2048(a1)
    CHECK(148, a0, 0x11)

    /* ---- stores: only the addressed bytes change ---- */
    la a1, sbuf
    li a2, 0x0706050403020100
    sd a2, 0(a1)
    sd a2, 8(a1)
    li a3, 0xffffffffffffffab
    sb a3, 1(a1)
    ld a0, 0(a1)
    CHECK(149, a0, 0x070605040302ab00)
    li a3, 0x123456789abcdef0
    sh a3, 4(a1)
    ld a0, 0(a1)
    CHECK(150, a0, 0x0706def00302ab00)
    sw a3, 8(a1)
    ld a0, 8(a1)
    CHECK(151, a0, 0x070605049abcdef0)
    sd a3, 0(a1)
    ld a0, 0(a1)
    CHECK(152, a0, 0x123456789abcdef0)
    ld a0, 8(a1)                       /* neighbour untouched */
    CHECK(153, a0, 0x070605049abcdef0)
    addi a2, a1, 16                    /* negative store offset */
    li a3, 0x55
    sb a3, -1(a2)
    ld a0, 8(a1)
    CHECK(154, a0, 0x550605049abcdef0)
    lbu a0, 15(a1)
    CHECK(155, a0, 0x55)

    /* ---- x0 is hard-wired to zero: writes are ignored ---- */
    li gp, 156
    addi x0, x0, 5
    bnez x0, test_fail
    lui x0, 0x12345
    bnez x0, test_fail
    li a1, 3
    add x0, a1, a1
    bnez x0, test_fail
    la a1, tdat
    ld x0, 0(a1)                       /* load to x0: discarded */
    bnez x0, test_fail
    jal x0, 1f                         /* jump without link */
    j test_fail
1:  auipc x0, 1
    mv a0, x0
    CHECK(157, a0, 0)

    /* ---- FENCE: executes, changes no register ---- */
    li a0, 42
    fence
    fence rw, rw
    fence iorw, iorw
    fence w, r
    fence.tso
    CHECK(158, a0, 42)

    /* ---- FENCE.I: self-modifying code takes effect ---- */
    /* patch_fn starts with `li a0, 1` (then ret); run it once so any
     * cached translation exists, overwrite the instruction, fence.i, run
     * it again: it must return the new value. */
    call patch_fn
    CHECK(159, a0, 1)
    la a1, patch_fn
    li a2, 0x00200513                  /* addi a0, zero, 2 */
    sw a2, 0(a1)
    fence.i
    call patch_fn
    CHECK(160, a0, 2)
    li a2, 0x0070                      /* addi a0, zero, 7 = 0x00700513 */
    sh a2, 2(a1)                       /* patch only the upper half */
    fence.i
    call patch_fn
    CHECK(161, a0, 7)
    /* a loop whose body is rewritten between iterations */
    li s0, 0
    li s1, 0
2:  call patch_fn
    add s0, s0, a0                     /* 7, then 3 */
    bnez s1, 1f
    li s1, 1
    li a2, 0x00300513                  /* addi a0, zero, 3 */
    sw a2, 0(a1)
    fence.i
    j 2b
1:  CHECK(162, s0, 10)

    TEST_PASS
    TEST_END

    .text
    .balign 4
patch_fn:
    addi a0, zero, 1                   /* overwritten by the test */
    ret

    .data
    .balign 8
tdat:
    .dword 0x8899aabbccddeeff
    .dword 0x0011223344556677
sbuf:
    .dword 0, 0
