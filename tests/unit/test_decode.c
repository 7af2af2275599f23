/* Decoder: known encodings (from the GNU assembler) decode to the right
 * op, registers, immediate and length; compressed forms expand to their
 * 32-bit ops; reserved encodings are illegal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vm/rv/decode.h"

struct want {
    uint32_t raw;
    unsigned op, rd, rs1, rs2;
    int32_t imm;
    unsigned len;
    const char *text;
};

enum { A0 = 10, A1, A2, A3, A4, A5, T0 = 5, T1, T2, S0 = 8, S1, SP = 2, RA = 1 };

static const struct want cases[] = {
    {0x80058513, OP_ADDI, A0, A1, 0, -2048, 4, "addi a0,a1,-2048"},
    {0xfffff2b7, OP_LUI, T0, 0, 0, (int32_t)0xfffff000, 4, "lui t0,0xfffff"},
    {0x80000097, OP_AUIPC, RA, 0, 0, (int32_t)0x80000000, 4, "auipc ra,0x80000"},
    {0x7ffff0ef, OP_JAL, RA, 0, 0, 0xffffe, 4, "jal ra,.+0xffffe"},
    {0x8000006f, OP_JAL, RV_RD_SINK, 0, 0, -0x100000, 4, "jal x0,.-0x100000"},
    {0x80b50063, OP_BEQ, 0, A0, A1, -4096, 4, "beq a0,a1,.-4096"},
    {0x7e737fe3, OP_BGEU, 0, T1, T2, 4094, 4, "bgeu t1,t2,.+4094"},
    {0xffc12403, OP_LW, S0, SP, 0, -4, 4, "lw s0,-4(sp)"},
    {0x7ef73fa3, OP_SD, 0, A4, A5, 2047, 4, "sd a5,2047(a4)"},
    {0x43f55513, OP_SRAI, A0, A0, 0, 63, 4, "srai a0,a0,63"},
    {0x41f5551b, OP_SRAIW, A0, A0, 0, 31, 4, "sraiw a0,a0,31"},
    {0x02c5a533, OP_MULHSU, A0, A1, A2, 0, 4, "mulhsu a0,a1,a2"},
    {0x027372bb, OP_REMUW, T0, T1, T2, 0, 4, "remuw t0,t1,t2"},
    {0xe6b6352f, OP_AMOMAXU_D, A0, A2, A1, 0, 4, "amomaxu.d.aqrl a0,a1,(a2)"},
    {0x1005a52f, OP_LR_W, A0, A1, 0, 0, 4, "lr.w a0,(a1)"},
    {0x1863b2af, OP_SC_D, T0, T2, T1, 0, 4, "sc.d t0,t1,(t2)"},
    {0x30059573, OP_CSRRW, A0, A1, 0, 0x300, 4, "csrrw a0,mstatus,a1"},
    {0x100ff073, OP_CSRRCI, RV_RD_SINK, 31, 0, 0x100, 4, "csrrci zero,sstatus,31"},
    {0x12b50073, OP_SFENCE_VMA, 0, A0, A1, 0, 4, "sfence.vma a0,a1"},
    {0x6ac59543, OP_FMADD_D, A0, A1, A2, 0, 4, "fmadd.d fa0,fa1,fa2,fa3,rtz"},
    {0x4015f553, OP_FCVT_S_D, A0, A1, 1, 0, 4, "fcvt.s.d fa0,fa1"},
    {0xc0353553, OP_FCVT_LU_S, A0, A0, 3, 0, 4, "fcvt.lu.s a0,fa0,rup"},
    {0xe2058553, OP_FMV_X_D, A0, A1, 0, 0, 4, "fmv.x.d a0,fa1"},
    {0x20c5e53b, OP_SH3ADD_UW, A0, A1, A2, 0, 4, "sh3add.uw a0,a1,a2"},
    {0x63f5d513, OP_RORI, A0, A1, 0, 63, 4, "rori a0,a1,63"},
    {0x61f5d51b, OP_RORIW, A0, A1, 0, 31, 4, "roriw a0,a1,31"},
    {0x6b85d513, OP_REV8, A0, A1, 0, 0, 4, "rev8 a0,a1"},
    {0x2875d513, OP_ORC_B, A0, A1, 0, 0, 4, "orc.b a0,a1"},
    {0x0805c53b, OP_ZEXT_H, A0, A1, 0, 0, 4, "zext.h a0,a1"},
    {0x4bf5d513, OP_BEXTI, A0, A1, 0, 63, 4, "bexti a0,a1,63"},
    {0x0bf5951b, OP_SLLI_UW, A0, A1, 0, 63, 4, "slli.uw a0,a1,63"},
    {0x1fe0, OP_ADDI, S0, SP, 0, 1020, 2, "c.addi4spn s0,sp,1020"},
    {0x3fe8, OP_FLD, A0, A5, 0, 248, 2, "c.fld fa0,248(a5)"},
    {0x5de8, OP_LW, A0, A1, 0, 124, 2, "c.lw a0,124(a1)"},
    {0xfcfc, OP_SD, 0, S1, A5, 248, 2, "c.sd a5,248(s1)"},
    {0x1501, OP_ADDI, A0, A0, 0, -32, 2, "c.addi a0,-32"},
    {0x357d, OP_ADDIW, A0, A0, 0, -1, 2, "c.addiw a0,-1"},
    {0x47fd, OP_ADDI, A5, 0, 0, 31, 2, "c.li a5,31"},
    {0x7101, OP_ADDI, SP, SP, 0, -512, 2, "c.addi16sp sp,-512"},
    {0x7501, OP_LUI, A0, 0, 0, -0x20000, 2, "c.lui a0,0xfffe0"},
    {0x95fd, OP_SRAI, A1, A1, 0, 63, 2, "c.srai a1,63"},
    {0x9a01, OP_ANDI, A2, A2, 0, -32, 2, "c.andi a2,-32"},
    {0x9e99, OP_SUBW, A3, A3, A4, 0, 2, "c.subw a3,a4"},
    {0xb001, OP_JAL, RV_RD_SINK, 0, 0, -2048, 2, "c.j .-2048"},
    {0xd001, OP_BEQ, 0, S0, 0, -256, 2, "c.beqz s0,.-256"},
    {0xecfd, OP_BNE, 0, S1, 0, 254, 2, "c.bnez s1,.+254"},
    {0x157e, OP_SLLI, A0, A0, 0, 63, 2, "c.slli a0,63"},
    {0x357e, OP_FLD, A0, SP, 0, 504, 2, "c.fldsp fa0,504(sp)"},
    {0x557e, OP_LW, A0, SP, 0, 252, 2, "c.lwsp a0,252(sp)"},
    {0x70fe, OP_LD, RA, SP, 0, 504, 2, "c.ldsp ra,504(sp)"},
    {0x8082, OP_JALR, RV_RD_SINK, RA, 0, 0, 2, "c.jr ra"},
    {0x852e, OP_ADD, A0, 0, A1, 0, 2, "c.mv a0,a1"},
    {0x9002, OP_EBREAK, 0, 0, 0, 0, 2, "c.ebreak"},
    {0x9502, OP_JALR, RA, A0, 0, 0, 2, "c.jalr a0"},
    {0x952e, OP_ADD, A0, A0, A1, 0, 2, "c.add a0,a1"},
    {0xbfaa, OP_FSD, 0, SP, A0, 504, 2, "c.fsdsp fa0,504(sp)"},
    {0xdfaa, OP_SW, 0, SP, A0, 252, 2, "c.swsp a0,252(sp)"},
    {0xff86, OP_SD, 0, SP, RA, 504, 2, "c.sdsp ra,504(sp)"},
};

static void test_known_encodings(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct want *w = &cases[i];
        struct insn in;
        rv_decode(w->raw, &in);
        if (in.op != w->op || in.rd != w->rd || in.rs1 != w->rs1 ||
            in.rs2 != w->rs2 || in.imm != w->imm || in.len != w->len)
            fail_msg("%s: got %s rd=%u rs1=%u rs2=%u imm=%d len=%u",
                     w->text, rv_op_name(in.op), in.rd, in.rs1, in.rs2,
                     in.imm, in.len);
    }
}

static void test_fma_fields(void **state)
{
    (void)state;
    struct insn in;
    rv_decode(0x6ac59543, &in);     /* fmadd.d fa0,fa1,fa2,fa3,rtz */
    assert_int_equal(in.rs3, A3);
    assert_int_equal(in.rm, 1);
    rv_decode(0xe6b6352f, &in);     /* amomaxu.d.aqrl: aq and rl set */
    assert_int_equal(in.rm, 3);
}

/* x0 as an integer destination goes to the sink; f0 stays f0. */
static void test_x0_destination(void **state)
{
    (void)state;
    struct insn in;
    rv_decode(0x00000013, &in);         /* addi x0,x0,0 (nop) */
    assert_int_equal(in.rd, RV_RD_SINK);
    rv_decode(0x00b57053, &in);         /* fadd.s f0,fa0,fa1 */
    assert_int_equal(in.op, OP_FADD_S);
    assert_int_equal(in.rd, 0);
    rv_decode(0xa0b52053, &in);         /* feq.s x0,fa0,fa1 */
    assert_int_equal(in.op, OP_FEQ_S);
    assert_int_equal(in.rd, RV_RD_SINK);
    rv_decode(0x00053007, &in);         /* fld f0,0(a0) */
    assert_int_equal(in.rd, 0);
    rv_decode(0x00a50023, &in);         /* sb a0,0(a0): no destination */
    assert_int_equal(in.rd, 0);
}

static void test_illegal(void **state)
{
    (void)state;
    static const uint32_t bad[] = {
        0x00000000,     /* all zeros: defined illegal */
        0xffffffff,     /* all ones */
        0x0000,         /* c.unimp */
        0x8000,         /* quadrant 0, funct3 4: reserved */
        0x4002,         /* c.lwsp with rd = 0 is reserved */
        0x0001 | (0 << 2) | (3 << 13) | (2 << 7), /* c.addi16sp imm 0 */
        0x0000705b,     /* reserved major opcode */
        0x30200073 | (1 << 7),  /* mret with rd != 0 */
        0x0020a02f | (0x1f << 27), /* AMO funct5 0x1f */
        0xd605f553 | (1 << 25) | (1 << 26), /* FP fmt 3 (Q) */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct insn in;
        rv_decode(bad[i], &in);
        if (in.op != OP_ILLEGAL)
            fail_msg("0x%08x decoded as %s", bad[i], rv_op_name(in.op));
        assert_int_equal(in.raw, (bad[i] & 3) == 3 ? bad[i] : (bad[i] & 0xffff));
    }
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(rv_op_name(OP_ADDI), "ADDI");
    assert_string_equal(rv_op_name(OP_FCLASS_D), "FCLASS_D");
    assert_string_equal(rv_op_name(OP_COUNT), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_encodings),
        cmocka_unit_test(test_fma_fields),
        cmocka_unit_test(test_x0_destination),
        cmocka_unit_test(test_illegal),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
