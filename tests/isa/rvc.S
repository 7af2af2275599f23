/* RVC (compressed instructions, RV64): every instruction written with its
 * explicit c. mnemonic, with immediate-range edges (C.ADDI16SP,
 * C.ADDI4SPN, C.LUI, 64-bit shift amounts, C.ADDIW sign extension), the
 * jumps and their links (C.JR/C.JALR link = pc + 2), C.EBREAK, the
 * sp-relative loads/stores, the FP loads/stores as raw 64-bit moves,
 * reserved encodings (illegal, mtval = the 16 instruction bits), and 32-bit
 * instructions at 2-byte aligned addresses, including one that straddles a
 * page boundary. */
#include "priv_test.h"

    .option rvc

    TEST_BEGIN
    INSTALL_MTRAP
    la sp, cbuf

    /* ---- C.LI / C.ADDI (6-bit signed immediates) ---- */
    c.li a0, -32
    CHECK(1, a0, -32)
    c.li a0, 31
    CHECK(2, a0, 31)
    li a0, 0x100000000
    c.addi a0, -32
    CHECK(3, a0, 0xffffffe0)
    li a0, -1
    c.addi a0, 1                       /* 64-bit add: carries out to 0 */
    CHECK(4, a0, 0)

    /* ---- C.ADDIW: 32-bit add, sign-extended (C.JAL's slot on RV32) ---- */
    li a0, 0x7fffffff
    c.addiw a0, 1
    CHECK(5, a0, 0xffffffff80000000)
    li a0, 0x0000000180000000
    c.addiw a0, 0                      /* sext.w */
    CHECK(6, a0, 0xffffffff80000000)
    li a0, 0xffffffff00000000
    c.addiw a0, -1
    CHECK(7, a0, -1)

    /* ---- C.LUI: nzimm[17:12], sign-extended to 64 bits ---- */
    c.lui a0, 1
    CHECK(8, a0, 0x1000)
    c.lui a0, 31
    CHECK(9, a0, 0x1f000)
    c.lui a0, 0xfffff
    CHECK(10, a0, 0xfffffffffffff000)
    c.lui a0, 0xfffe0
    CHECK(11, a0, 0xfffffffffffe0000)

    /* ---- C.ADDI16SP / C.ADDI4SPN ---- */
    mv s1, sp
    c.addi16sp sp, -512
    sub a0, s1, sp
    CHECK(12, a0, 512)
    c.addi16sp sp, 496
    sub a0, s1, sp
    CHECK(13, a0, 16)
    c.addi16sp sp, 16
    c.addi4spn a0, sp, 4
    sub a0, a0, sp
    CHECK(14, a0, 4)
    c.addi4spn a5, sp, 1020
    sub a0, a5, sp
    CHECK(15, a0, 1020)

    /* ---- shifts: 64-bit shift amounts ---- */
    li a0, 1
    c.slli a0, 63
    CHECK(16, a0, 0x8000000000000000)
    li a0, 0x00000000deadbeef
    c.slli a0, 32
    CHECK(17, a0, 0xdeadbeef00000000)
    li a0, 0x8000000000000000
    c.srli a0, 63
    CHECK(18, a0, 1)
    li a0, -1
    c.srli a0, 32
    CHECK(19, a0, 0xffffffff)
    li a0, 0x8000000000000000
    c.srai a0, 63
    CHECK(20, a0, -1)
    li a0, 0x8000000000000000
    c.srai a0, 32
    CHECK(21, a0, 0xffffffff80000000)
    li a0, 0x4000000000000000
    c.srai a0, 1
    CHECK(22, a0, 0x2000000000000000)
    li s1, 0xff
    c.slli s1, 1                       /* any register for C.SLLI */
    CHECK(23, s1, 0x1fe)

    /* ---- C.ANDI ---- */
    li a0, -1
    c.andi a0, -32
    CHECK(24, a0, 0xffffffffffffffe0)
    li a0, 0x123456789abcdeff
    c.andi a0, 31
    CHECK(25, a0, 0x1f)

    /* ---- C.SUB / C.XOR / C.OR / C.AND (64-bit) ---- */
    li a0, 0
    li a1, 1
    c.sub a0, a1
    CHECK(26, a0, -1)
    li a0, 0xff00ff00ff00ff00
    li a1, 0x0f0f0f0f0f0f0f0f
    c.xor a0, a1
    CHECK(27, a0, 0xf00ff00ff00ff00f)
    li a0, 0xff00ff00ff00ff00
    c.or a0, a1
    CHECK(28, a0, 0xff0fff0fff0fff0f)
    li a0, 0xff00ff00ff00ff00
    c.and a0, a1
    CHECK(29, a0, 0x0f000f000f000f00)

    /* ---- C.SUBW / C.ADDW: 32-bit, sign-extended ---- */
    li a0, 0x7fffffff
    li a1, -1
    c.subw a0, a1
    CHECK(30, a0, 0xffffffff80000000)
    li a0, 0x100000000
    li a1, 1
    c.subw a0, a1
    CHECK(31, a0, -1)
    li a0, 0x7fffffff
    li a1, 0xffffffff00000001
    c.addw a0, a1
    CHECK(32, a0, 0xffffffff80000000)

    /* ---- C.MV / C.ADD (full registers, any of x1..x31) ---- */
    li t1, 0x123456789abcdef0
    c.mv t2, t1
    CHECK(33, t2, 0x123456789abcdef0)
    li t1, 0x7fffffffffffffff
    li t2, 1
    c.add t2, t1
    CHECK(34, t2, 0x8000000000000000)

    /* ---- C.NOP changes nothing and is two bytes long ---- */
    li a0, 5
1:  c.nop
2:  auipc a1, 0
    la a2, 1b
    sub a1, a1, a2
    CHECK(35, a1, 2)
    CHECK(36, a0, 5)

    /* ---- C.LW / C.LD / C.SW / C.SD, largest offsets ---- */
    la s0, cbuf
    li a0, 0x80000001
    sw a0, 124(s0)
    c.lw a1, 124(s0)                   /* sign-extends */
    CHECK(37, a1, 0xffffffff80000001)
    li a0, 0x0123456789abcdef
    sd a0, 248(s0)
    c.ld a2, 248(s0)
    CHECK(38, a2, 0x0123456789abcdef)
    li a3, 0xfedcba9876543210
    sd zero, 120(s0)
    c.sw a3, 124(s0)                   /* low word only */
    ld a0, 120(s0)
    CHECK(39, a0, 0x7654321000000000)
    c.sd a3, 248(s0)
    ld a0, 248(s0)
    CHECK(40, a0, 0xfedcba9876543210)
    c.lw a4, 0(s0)                     /* offset 0 */
    lw a0, 0(s0)
    CHECKR(41, a4, a0)

    /* ---- C.LWSP / C.LDSP / C.SWSP / C.SDSP, largest offsets ---- */
    la sp, cbuf
    li a0, 0x8000000f
    sw a0, 252(sp)
    c.lwsp t0, 252(sp)
    CHECK(42, t0, 0xffffffff8000000f)
    li a0, 0x1122334455667788
    sd a0, 504(sp)
    c.ldsp t1, 504(sp)
    CHECK(43, t1, 0x1122334455667788)
    li t2, 0xaaaaaaaabbbbbbbb
    sd zero, 248(sp)
    c.swsp t2, 252(sp)
    ld a0, 248(sp)
    CHECK(44, a0, 0xbbbbbbbb00000000)
    c.sdsp t2, 504(sp)
    ld a0, 504(sp)
    CHECK(45, a0, 0xaaaaaaaabbbbbbbb)

    /* ---- C.FLD / C.FSD / C.FLDSP / C.FSDSP: raw 64-bit moves ---- */
    li t0, MSTATUS_FS
    csrs mstatus, t0                   /* enable the FPU (FS = dirty) */
    la s0, cbuf
    li a0, 0x7ff0000000000001          /* a signalling NaN: no conversion */
    sd a0, 8(s0)
    c.fld fs1, 8(s0)
    c.fsd fs1, 248(s0)
    ld a1, 248(s0)
    CHECK(46, a1, 0x7ff0000000000001)
    li a0, 0xfff8000000000123
    sd a0, 504(sp)
    c.fldsp ft3, 504(sp)
    c.fsdsp ft3, 16(sp)
    ld a1, 16(sp)
    CHECK(47, a1, 0xfff8000000000123)

    /* ---- C.J forward and backward ---- */
    li gp, 48
    c.j 2f
1:  c.j 3f
    j test_fail
2:  c.j 1b
    j test_fail
3:

    /* ---- C.BEQZ / C.BNEZ (full 64-bit compare with zero) ---- */
    li gp, 49
    li s0, 0
    c.beqz s0, 1f
    j test_fail
1:  li gp, 50
    li s0, 0x100000000
    c.beqz s0, 2f
    c.j 1f
2:  j test_fail
1:  li gp, 51
    c.bnez s0, 1f
    j test_fail
1:  li gp, 52
    li s0, 0
    c.bnez s0, 2f
    c.j 1f
2:  j test_fail
1:  li gp, 53                          /* backward: loop 4 times */
    li s1, 4
    li a0, 0
1:  addi a0, a0, 1
    addi s1, s1, -1
    c.bnez s1, 1b
    CHECK(53, a0, 4)

    /* ---- C.JR (no link) / C.JALR (link = pc + 2) ---- */
    li gp, 54
    la t0, 1f
    li ra, 0x55
    c.jr t0
    j test_fail
1:  CHECK(54, ra, 0x55)                /* ra untouched */
    li gp, 55
    la t0, 1f
2:  c.jalr t0
3:  j test_fail
1:  CHECK_ADDR(55, ra, 3b)
    la ra, 1f                          /* rs1 == ra: jump to the old ra */
    li gp, 56
2:  c.jalr ra
3:  j test_fail
1:  CHECK_ADDR(56, ra, 3b)

    /* ---- C.EBREAK: breakpoint, mepc = its address, length 2 ---- */
    li gp, 57
    EXPECT_TRAP(2f)
1:  c.ebreak
    j test_fail
2:  CHECK(57, s10, CAUSE_BREAKPOINT)
    CHECK_ADDR(58, s9, 1b)
    CHECK_EBREAK_TVAL(59, 1b)

    /* ---- reserved encodings: illegal, mtval = the 16 bits only ---- */
#define TEST_ILLEGAL16(n, bits)                 \
    li gp, n;                                   \
    EXPECT_TRAP(2f);                            \
1:  .half bits;                                 \
    c.nop;                                      \
    j test_fail;                                \
2:  CHECK(n, s10, CAUSE_ILLEGAL);               \
    CHECK_ADDR(n, s9, 1b);                      \
    CHECK(n, s11, bits);
    TEST_ILLEGAL16(60, 0x0000)         /* all zeros: defined illegal */
    TEST_ILLEGAL16(61, 0x0004)         /* C.ADDI4SPN nzuimm = 0 */
    TEST_ILLEGAL16(62, 0x6501)         /* C.LUI a0, 0 */
    TEST_ILLEGAL16(63, 0x6101)         /* C.ADDI16SP 0 */
    TEST_ILLEGAL16(64, 0x4002)         /* C.LWSP rd = x0 */
    TEST_ILLEGAL16(65, 0x6002)         /* C.LDSP rd = x0 */
    TEST_ILLEGAL16(66, 0x8002)         /* C.JR rs1 = x0 */

    /* ---- 32-bit instructions at 2-byte aligned addresses ---- */
    li a0, 0
    c.nop
    .option push
    .option norvc
    addi a0, a0, 1                     /* at pc % 4 == 2 */
    .option pop
    CHECK(67, a0, 1)
    /* ... and one straddling a page boundary */
    li a0, 0
    li gp, 68
    j straddle
straddle_back:
    CHECK(68, a0, 0x7ff)

    TEST_PASS
    TEST_END
    TRAP_HANDLERS

    /* An addi whose two halves lie on different pages. */
    .text
    .balign 4096
    .skip 4096 - 4
straddle:
    c.nop
    .option push
    .option norvc
    addi a0, a0, 0x7ff                 /* bytes 4094..4097 */
    .option pop
    j straddle_back

    .data
    .balign 16
cbuf:
    .skip 1024
