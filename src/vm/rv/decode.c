/* Raw instruction bits -> struct insn. 32-bit encodings by major opcode;
 * compressed ones are expanded to the op of their 32-bit equivalent. */
#include "vm/rv/decode.h"

#include <stdbool.h>
#include <string.h>

static const char *const op_names[OP_COUNT] = {
#define RV_OP_NAME(name) #name,
    RV_OPS_ALL(RV_OP_NAME)
#undef RV_OP_NAME
};

const char *rv_op_name(unsigned op)
{
    return op < OP_COUNT ? op_names[op] : "?";
}

static inline uint32_t bits(uint32_t v, unsigned hi, unsigned lo)
{
    return (v >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static inline int32_t sext(uint32_t v, unsigned width)
{
    uint32_t m = 1u << (width - 1);
    return (int32_t)((v ^ m) - m);
}

static int32_t imm_i(uint32_t r) { return (int32_t)r >> 20; }
static int32_t imm_s(uint32_t r)
{
    return sext((bits(r, 31, 25) << 5) | bits(r, 11, 7), 12);
}
static int32_t imm_b(uint32_t r)
{
    return sext((bits(r, 31, 31) << 12) | (bits(r, 7, 7) << 11) |
                (bits(r, 30, 25) << 5) | (bits(r, 11, 8) << 1), 13);
}
static int32_t imm_u(uint32_t r) { return (int32_t)(r & 0xfffff000u); }
static int32_t imm_j(uint32_t r)
{
    return sext((bits(r, 31, 31) << 20) | (bits(r, 19, 12) << 12) |
                (bits(r, 20, 20) << 11) | (bits(r, 30, 21) << 1), 21);
}

static unsigned op_load(unsigned f3)
{
    static const unsigned t[8] = {OP_LB, OP_LH, OP_LW, OP_LD,
                                  OP_LBU, OP_LHU, OP_LWU, OP_ILLEGAL};
    return t[f3];
}

static unsigned op_store(unsigned f3)
{
    static const unsigned t[8] = {OP_SB, OP_SH, OP_SW, OP_SD, OP_ILLEGAL,
                                  OP_ILLEGAL, OP_ILLEGAL, OP_ILLEGAL};
    return t[f3];
}

static unsigned op_branch(unsigned f3)
{
    static const unsigned t[8] = {OP_BEQ, OP_BNE, OP_ILLEGAL, OP_ILLEGAL,
                                  OP_BLT, OP_BGE, OP_BLTU, OP_BGEU};
    return t[f3];
}

/* OP-IMM (0x13): ALU with immediate, shifts, and Zbb/Zbs immediate forms.
 * The unary Zbb forms (clz, rev8, ...) have no immediate. */
static unsigned dec_op_imm(uint32_t r, struct insn *d)
{
    unsigned f3 = bits(r, 14, 12), f6 = bits(r, 31, 26);
    unsigned f12 = bits(r, 31, 20);
    switch (f3) {
    case 0: return OP_ADDI;
    case 2: return OP_SLTI;
    case 3: return OP_SLTIU;
    case 4: return OP_XORI;
    case 6: return OP_ORI;
    case 7: return OP_ANDI;
    case 1: {
        static const unsigned unary[6] = {OP_CLZ, OP_CTZ, OP_CPOP,
                                          OP_ILLEGAL, OP_SEXT_B, OP_SEXT_H};
        d->imm = (int32_t)bits(r, 25, 20);
        if (f6 == 0x00) return OP_SLLI;
        if (f6 == 0x12) return OP_BCLRI;
        if (f6 == 0x1a) return OP_BINVI;
        if (f6 == 0x0a) return OP_BSETI;
        d->imm = 0;
        if (f12 >= 0x600 && f12 <= 0x605) return unary[f12 - 0x600];
        return OP_ILLEGAL;
    }
    case 5:
        d->imm = (int32_t)bits(r, 25, 20);
        if (f6 == 0x00) return OP_SRLI;
        if (f6 == 0x10) return OP_SRAI;
        if (f6 == 0x18) return OP_RORI;
        if (f6 == 0x12) return OP_BEXTI;
        d->imm = 0;
        if (f12 == 0x287) return OP_ORC_B;
        if (f12 == 0x6b8) return OP_REV8;
        return OP_ILLEGAL;
    }
    return OP_ILLEGAL;
}

/* OP-IMM-32 (0x1b) */
static unsigned dec_op_imm32(uint32_t r, struct insn *d)
{
    unsigned f3 = bits(r, 14, 12), f7 = bits(r, 31, 25);
    unsigned sh = bits(r, 24, 20);
    switch (f3) {
    case 0: return OP_ADDIW;
    case 1:
        d->imm = (int32_t)sh;
        if (f7 == 0x00) return OP_SLLIW;
        if (bits(r, 31, 26) == 0x02) {
            d->imm = (int32_t)bits(r, 25, 20);
            return OP_SLLI_UW;
        }
        d->imm = 0;
        if (bits(r, 31, 20) == 0x600) return OP_CLZW;
        if (bits(r, 31, 20) == 0x601) return OP_CTZW;
        if (bits(r, 31, 20) == 0x602) return OP_CPOPW;
        return OP_ILLEGAL;
    case 5:
        d->imm = (int32_t)sh;
        if (f7 == 0x00) return OP_SRLIW;
        if (f7 == 0x20) return OP_SRAIW;
        if (f7 == 0x30) return OP_RORIW;
        return OP_ILLEGAL;
    }
    return OP_ILLEGAL;
}

/* OP (0x33): register-register ALU, M, Zba/Zbb/Zbs. */
static unsigned dec_op(uint32_t r)
{
    unsigned f3 = bits(r, 14, 12), f7 = bits(r, 31, 25);
    switch (f7) {
    case 0x00: {
        static const unsigned t[8] = {OP_ADD, OP_SLL, OP_SLT, OP_SLTU,
                                      OP_XOR, OP_SRL, OP_OR, OP_AND};
        return t[f3];
    }
    case 0x20: {
        static const unsigned t[8] = {OP_SUB, OP_ILLEGAL, OP_ILLEGAL,
                                      OP_ILLEGAL, OP_XNOR, OP_SRA, OP_ORN,
                                      OP_ANDN};
        return t[f3];
    }
    case 0x01: {
        static const unsigned t[8] = {OP_MUL, OP_MULH, OP_MULHSU, OP_MULHU,
                                      OP_DIV, OP_DIVU, OP_REM, OP_REMU};
        return t[f3];
    }
    case 0x10: {
        static const unsigned t[8] = {OP_ILLEGAL, OP_ILLEGAL, OP_SH1ADD,
                                      OP_ILLEGAL, OP_SH2ADD, OP_ILLEGAL,
                                      OP_SH3ADD, OP_ILLEGAL};
        return t[f3];
    }
    case 0x05: {
        static const unsigned t[8] = {OP_ILLEGAL, OP_ILLEGAL, OP_ILLEGAL,
                                      OP_ILLEGAL, OP_MIN, OP_MINU, OP_MAX,
                                      OP_MAXU};
        return t[f3];
    }
    case 0x30:
        return f3 == 1 ? OP_ROL : f3 == 5 ? OP_ROR : OP_ILLEGAL;
    case 0x24:
        return f3 == 1 ? OP_BCLR : f3 == 5 ? OP_BEXT : OP_ILLEGAL;
    case 0x34:
        return f3 == 1 ? OP_BINV : OP_ILLEGAL;
    case 0x14:
        return f3 == 1 ? OP_BSET : OP_ILLEGAL;
    }
    return OP_ILLEGAL;
}

/* OP-32 (0x3b) */
static unsigned dec_op32(uint32_t r)
{
    unsigned f3 = bits(r, 14, 12), f7 = bits(r, 31, 25);
    switch (f7) {
    case 0x00:
        return f3 == 0 ? OP_ADDW : f3 == 1 ? OP_SLLW : f3 == 5 ? OP_SRLW
                                                               : OP_ILLEGAL;
    case 0x20:
        return f3 == 0 ? OP_SUBW : f3 == 5 ? OP_SRAW : OP_ILLEGAL;
    case 0x01: {
        static const unsigned t[8] = {OP_MULW, OP_ILLEGAL, OP_ILLEGAL,
                                      OP_ILLEGAL, OP_DIVW, OP_DIVUW, OP_REMW,
                                      OP_REMUW};
        return t[f3];
    }
    case 0x04:
        if (f3 == 0) return OP_ADD_UW;
        if (f3 == 4 && bits(r, 24, 20) == 0) return OP_ZEXT_H;
        return OP_ILLEGAL;
    case 0x10: {
        static const unsigned t[8] = {OP_ILLEGAL, OP_ILLEGAL, OP_SH1ADD_UW,
                                      OP_ILLEGAL, OP_SH2ADD_UW, OP_ILLEGAL,
                                      OP_SH3ADD_UW, OP_ILLEGAL};
        return t[f3];
    }
    case 0x30:
        return f3 == 1 ? OP_ROLW : f3 == 5 ? OP_RORW : OP_ILLEGAL;
    }
    return OP_ILLEGAL;
}

static unsigned dec_amo(uint32_t r, struct insn *d)
{
    unsigned f3 = bits(r, 14, 12), f5 = bits(r, 31, 27);
    d->rm = (uint8_t)bits(r, 26, 25);
    if (f3 != 2 && f3 != 3)
        return OP_ILLEGAL;
    unsigned dw = f3 == 3;
    switch (f5) {
    case 0x02: return bits(r, 24, 20) ? OP_ILLEGAL : dw ? OP_LR_D : OP_LR_W;
    case 0x03: return dw ? OP_SC_D : OP_SC_W;
    case 0x01: return dw ? OP_AMOSWAP_D : OP_AMOSWAP_W;
    case 0x00: return dw ? OP_AMOADD_D : OP_AMOADD_W;
    case 0x04: return dw ? OP_AMOXOR_D : OP_AMOXOR_W;
    case 0x0c: return dw ? OP_AMOAND_D : OP_AMOAND_W;
    case 0x08: return dw ? OP_AMOOR_D : OP_AMOOR_W;
    case 0x10: return dw ? OP_AMOMIN_D : OP_AMOMIN_W;
    case 0x14: return dw ? OP_AMOMAX_D : OP_AMOMAX_W;
    case 0x18: return dw ? OP_AMOMINU_D : OP_AMOMINU_W;
    case 0x1c: return dw ? OP_AMOMAXU_D : OP_AMOMAXU_W;
    }
    return OP_ILLEGAL;
}

static unsigned dec_system(uint32_t r, struct insn *d)
{
    unsigned f3 = bits(r, 14, 12);
    if (f3 == 0) {
        if (bits(r, 11, 7) != 0)
            return OP_ILLEGAL;
        unsigned f7 = bits(r, 31, 25);
        if (f7 == 0x09)
            return OP_SFENCE_VMA;
        if (bits(r, 19, 15) != 0)
            return OP_ILLEGAL;
        switch (bits(r, 31, 20)) {
        case 0x000: return OP_ECALL;
        case 0x001: return OP_EBREAK;
        case 0x102: return OP_SRET;
        case 0x302: return OP_MRET;
        case 0x105: return OP_WFI;
        }
        return OP_ILLEGAL;
    }
    d->imm = (int32_t)bits(r, 31, 20);
    d->rs2 = 0;
    static const unsigned t[8] = {OP_ILLEGAL, OP_CSRRW, OP_CSRRS, OP_CSRRC,
                                  OP_ILLEGAL, OP_CSRRWI, OP_CSRRSI, OP_CSRRCI};
    return t[f3];
}

/* OP-FP (0x53) */
static unsigned dec_op_fp(uint32_t r)
{
    unsigned f7 = bits(r, 31, 25), f3 = bits(r, 14, 12);
    unsigned rs2 = bits(r, 24, 20);
    unsigned fmt = f7 & 3;      /* 0 = S, 1 = D */
    if (fmt > 1)
        return OP_ILLEGAL;
    unsigned d = fmt;           /* offset from an _S op to its _D twin */
#define SD(s_op, d_op) (d ? (d_op) : (s_op))
    switch (f7 >> 2) {
    case 0x00: return SD(OP_FADD_S, OP_FADD_D);
    case 0x01: return SD(OP_FSUB_S, OP_FSUB_D);
    case 0x02: return SD(OP_FMUL_S, OP_FMUL_D);
    case 0x03: return SD(OP_FDIV_S, OP_FDIV_D);
    case 0x0b: return rs2 ? OP_ILLEGAL : SD(OP_FSQRT_S, OP_FSQRT_D);
    case 0x04:
        if (f3 == 0) return SD(OP_FSGNJ_S, OP_FSGNJ_D);
        if (f3 == 1) return SD(OP_FSGNJN_S, OP_FSGNJN_D);
        if (f3 == 2) return SD(OP_FSGNJX_S, OP_FSGNJX_D);
        return OP_ILLEGAL;
    case 0x05:
        if (f3 == 0) return SD(OP_FMIN_S, OP_FMIN_D);
        if (f3 == 1) return SD(OP_FMAX_S, OP_FMAX_D);
        return OP_ILLEGAL;
    case 0x08:  /* FCVT between formats: fmt is the destination */
        if (d && rs2 == 0) return OP_FCVT_D_S;
        if (!d && rs2 == 1) return OP_FCVT_S_D;
        return OP_ILLEGAL;
    case 0x14:
        if (f3 == 2) return SD(OP_FEQ_S, OP_FEQ_D);
        if (f3 == 1) return SD(OP_FLT_S, OP_FLT_D);
        if (f3 == 0) return SD(OP_FLE_S, OP_FLE_D);
        return OP_ILLEGAL;
    case 0x18: {
        static const unsigned s[4] = {OP_FCVT_W_S, OP_FCVT_WU_S, OP_FCVT_L_S,
                                      OP_FCVT_LU_S};
        static const unsigned dd[4] = {OP_FCVT_W_D, OP_FCVT_WU_D, OP_FCVT_L_D,
                                       OP_FCVT_LU_D};
        return rs2 < 4 ? (d ? dd[rs2] : s[rs2]) : OP_ILLEGAL;
    }
    case 0x1a: {
        static const unsigned s[4] = {OP_FCVT_S_W, OP_FCVT_S_WU, OP_FCVT_S_L,
                                      OP_FCVT_S_LU};
        static const unsigned dd[4] = {OP_FCVT_D_W, OP_FCVT_D_WU, OP_FCVT_D_L,
                                       OP_FCVT_D_LU};
        return rs2 < 4 ? (d ? dd[rs2] : s[rs2]) : OP_ILLEGAL;
    }
    case 0x1c:
        if (rs2) return OP_ILLEGAL;
        if (f3 == 0) return SD(OP_FMV_X_W, OP_FMV_X_D);
        if (f3 == 1) return SD(OP_FCLASS_S, OP_FCLASS_D);
        return OP_ILLEGAL;
    case 0x1e:
        if (rs2 || f3) return OP_ILLEGAL;
        return SD(OP_FMV_W_X, OP_FMV_D_X);
    }
#undef SD
    return OP_ILLEGAL;
}

static void decode32(uint32_t r, struct insn *d)
{
    unsigned f3 = bits(r, 14, 12);
    unsigned op = OP_ILLEGAL;
    d->rd = (uint8_t)bits(r, 11, 7);
    d->rs1 = (uint8_t)bits(r, 19, 15);
    d->rs2 = (uint8_t)bits(r, 24, 20);
    d->rs3 = (uint8_t)bits(r, 31, 27);
    d->rm = (uint8_t)f3;
    d->len = 4;
    switch (bits(r, 6, 0)) {
    case 0x37: op = OP_LUI; d->imm = imm_u(r); d->rs1 = d->rs2 = 0; break;
    case 0x17: op = OP_AUIPC; d->imm = imm_u(r); d->rs1 = d->rs2 = 0; break;
    case 0x6f: op = OP_JAL; d->imm = imm_j(r); d->rs1 = d->rs2 = 0; break;
    case 0x67:
        op = f3 ? OP_ILLEGAL : OP_JALR;
        d->imm = imm_i(r);
        d->rs2 = 0;
        break;
    case 0x63: op = op_branch(f3); d->imm = imm_b(r); d->rd = 0; break;
    case 0x03: op = op_load(f3); d->imm = imm_i(r); d->rs2 = 0; break;
    case 0x23: op = op_store(f3); d->imm = imm_s(r); d->rd = 0; break;
    case 0x13: d->imm = imm_i(r); op = dec_op_imm(r, d); d->rs2 = 0; break;
    case 0x1b: d->imm = imm_i(r); op = dec_op_imm32(r, d); d->rs2 = 0; break;
    case 0x33: op = dec_op(r); break;
    case 0x3b: op = dec_op32(r); break;
    case 0x0f:
        op = f3 == 0 ? OP_FENCE : f3 == 1 ? OP_FENCE_I : OP_ILLEGAL;
        break;
    case 0x73: op = dec_system(r, d); break;
    case 0x2f: op = dec_amo(r, d); break;
    case 0x07:
        op = f3 == 2 ? OP_FLW : f3 == 3 ? OP_FLD : OP_ILLEGAL;
        d->imm = imm_i(r);
        d->rs2 = 0;
        break;
    case 0x27:
        op = f3 == 2 ? OP_FSW : f3 == 3 ? OP_FSD : OP_ILLEGAL;
        d->imm = imm_s(r);
        d->rd = 0;
        break;
    case 0x43: case 0x47: case 0x4b: case 0x4f: {
        unsigned fmt = bits(r, 26, 25);
        unsigned k = (bits(r, 6, 0) - 0x43) >> 2;  /* madd msub nmsub nmadd */
        static const unsigned s[4] = {OP_FMADD_S, OP_FMSUB_S, OP_FNMSUB_S,
                                      OP_FNMADD_S};
        static const unsigned dd[4] = {OP_FMADD_D, OP_FMSUB_D, OP_FNMSUB_D,
                                       OP_FNMADD_D};
        op = fmt == 0 ? s[k] : fmt == 1 ? dd[k] : OP_ILLEGAL;
        break;
    }
    case 0x53: op = dec_op_fp(r); break;
    }
    d->op = (uint8_t)op;
}

/* Compressed register fields name x8..x15. */
static inline uint8_t creg(uint32_t v) { return (uint8_t)(8 + v); }

static void decode16(uint32_t r, struct insn *d)
{
    unsigned op = OP_ILLEGAL;
    unsigned f3 = bits(r, 15, 13);
    unsigned rd = bits(r, 11, 7), rs2 = bits(r, 6, 2);
    d->len = 2;
    d->rd = d->rs1 = d->rs2 = d->rs3 = 0;
    d->rm = 0;
    d->imm = 0;
    switch ((r & 3) << 3 | f3) {
    case 000: {     /* C.ADDI4SPN */
        uint32_t nz = (bits(r, 10, 7) << 6) | (bits(r, 12, 11) << 4) |
                      (bits(r, 5, 5) << 3) | (bits(r, 6, 6) << 2);
        if (nz) {
            op = OP_ADDI;
            d->rd = creg(bits(r, 4, 2));
            d->rs1 = 2;
            d->imm = (int32_t)nz;
        }
        break;
    }
    case 001: case 002: case 003: case 005: case 006: case 007: {
        /* C.FLD C.LW C.LD / C.FSD C.SW C.SD */
        uint32_t off_d = (bits(r, 6, 5) << 6) | (bits(r, 12, 10) << 3);
        uint32_t off_w = (bits(r, 5, 5) << 6) | (bits(r, 12, 10) << 3) |
                         (bits(r, 6, 6) << 2);
        static const unsigned ops[8] = {0, OP_FLD, OP_LW, OP_LD,
                                        0, OP_FSD, OP_SW, OP_SD};
        op = ops[f3];
        d->rs1 = creg(bits(r, 9, 7));
        d->imm = (int32_t)(f3 == 2 || f3 == 6 ? off_w : off_d);
        if (f3 < 4)
            d->rd = creg(bits(r, 4, 2));
        else
            d->rs2 = creg(bits(r, 4, 2));
        break;
    }
    case 010:       /* C.ADDI (C.NOP when rd = 0) */
        op = OP_ADDI;
        d->rd = d->rs1 = (uint8_t)rd;
        d->imm = sext((bits(r, 12, 12) << 5) | rs2, 6);
        break;
    case 011:       /* C.ADDIW */
        if (rd) {
            op = OP_ADDIW;
            d->rd = d->rs1 = (uint8_t)rd;
            d->imm = sext((bits(r, 12, 12) << 5) | rs2, 6);
        }
        break;
    case 012:       /* C.LI */
        op = OP_ADDI;
        d->rd = (uint8_t)rd;
        d->imm = sext((bits(r, 12, 12) << 5) | rs2, 6);
        break;
    case 013:
        if (rd == 2) {      /* C.ADDI16SP */
            int32_t imm = sext((bits(r, 12, 12) << 9) | (bits(r, 4, 3) << 7) |
                               (bits(r, 5, 5) << 6) | (bits(r, 2, 2) << 5) |
                               (bits(r, 6, 6) << 4), 10);
            if (imm) {
                op = OP_ADDI;
                d->rd = d->rs1 = 2;
                d->imm = imm;
            }
        } else {            /* C.LUI */
            int32_t imm = sext((bits(r, 12, 12) << 17) | (rs2 << 12), 18);
            if (imm) {
                op = OP_LUI;
                d->rd = (uint8_t)rd;
                d->imm = imm;
            }
        }
        break;
    case 014: {
        unsigned f2 = bits(r, 11, 10);
        uint8_t rd3 = creg(bits(r, 9, 7));
        d->rd = d->rs1 = rd3;
        uint32_t sh = (bits(r, 12, 12) << 5) | rs2;
        if (f2 == 0) {
            op = OP_SRLI;
            d->imm = (int32_t)sh;
        } else if (f2 == 1) {
            op = OP_SRAI;
            d->imm = (int32_t)sh;
        } else if (f2 == 2) {
            op = OP_ANDI;
            d->imm = sext(sh, 6);
        } else {
            static const unsigned t[8] = {OP_SUB, OP_XOR, OP_OR, OP_AND,
                                          OP_SUBW, OP_ADDW, OP_ILLEGAL,
                                          OP_ILLEGAL};
            op = t[(bits(r, 12, 12) << 2) | bits(r, 6, 5)];
            d->rs2 = creg(bits(r, 4, 2));
        }
        break;
    }
    case 015:       /* C.J */
        op = OP_JAL;
        d->rd = 0;
        d->imm = sext((bits(r, 12, 12) << 11) | (bits(r, 8, 8) << 10) |
                      (bits(r, 10, 9) << 8) | (bits(r, 6, 6) << 7) |
                      (bits(r, 7, 7) << 6) | (bits(r, 2, 2) << 5) |
                      (bits(r, 11, 11) << 4) | (bits(r, 5, 3) << 1), 12);
        break;
    case 016: case 017:     /* C.BEQZ C.BNEZ */
        op = f3 == 6 ? OP_BEQ : OP_BNE;
        d->rs1 = creg(bits(r, 9, 7));
        d->rs2 = 0;
        d->imm = sext((bits(r, 12, 12) << 8) | (bits(r, 6, 5) << 6) |
                      (bits(r, 2, 2) << 5) | (bits(r, 11, 10) << 3) |
                      (bits(r, 4, 3) << 1), 9);
        break;
    case 020:       /* C.SLLI */
        op = OP_SLLI;
        d->rd = d->rs1 = (uint8_t)rd;
        d->imm = (int32_t)((bits(r, 12, 12) << 5) | rs2);
        break;
    case 021: case 022: case 023: {     /* C.FLDSP C.LWSP C.LDSP */
        uint32_t off_d = (bits(r, 4, 2) << 6) | (bits(r, 12, 12) << 5) |
                         (bits(r, 6, 5) << 3);
        uint32_t off_w = (bits(r, 3, 2) << 6) | (bits(r, 12, 12) << 5) |
                         (bits(r, 6, 4) << 2);
        d->rd = (uint8_t)rd;
        d->rs1 = 2;
        if (f3 == 1) {
            op = OP_FLD;
            d->imm = (int32_t)off_d;
        } else if (rd) {
            op = f3 == 2 ? OP_LW : OP_LD;
            d->imm = (int32_t)(f3 == 2 ? off_w : off_d);
        }
        break;
    }
    case 024:
        if (!bits(r, 12, 12)) {
            if (rs2 == 0) {         /* C.JR */
                if (rd) {
                    op = OP_JALR;
                    d->rs1 = (uint8_t)rd;
                }
            } else {                /* C.MV */
                op = OP_ADD;
                d->rd = (uint8_t)rd;
                d->rs2 = (uint8_t)rs2;
            }
        } else {
            if (rd == 0 && rs2 == 0) {
                op = OP_EBREAK;
            } else if (rs2 == 0) {  /* C.JALR */
                op = OP_JALR;
                d->rd = 1;
                d->rs1 = (uint8_t)rd;
            } else {                /* C.ADD */
                op = OP_ADD;
                d->rd = d->rs1 = (uint8_t)rd;
                d->rs2 = (uint8_t)rs2;
            }
        }
        break;
    case 025: case 026: case 027: {     /* C.FSDSP C.SWSP C.SDSP */
        uint32_t off_d = (bits(r, 9, 7) << 6) | (bits(r, 12, 10) << 3);
        uint32_t off_w = (bits(r, 8, 7) << 6) | (bits(r, 12, 9) << 2);
        static const unsigned ops[3] = {OP_FSD, OP_SW, OP_SD};
        op = ops[f3 - 5];
        d->rs1 = 2;
        d->rs2 = (uint8_t)rs2;
        d->imm = (int32_t)(f3 == 6 ? off_w : off_d);
        break;
    }
    }
    d->op = (uint8_t)op;
}

/* Whether rd names an integer register the op writes. */
static bool writes_x(unsigned op)
{
    switch (op) {
    case OP_ILLEGAL:
    case OP_BEQ: case OP_BNE: case OP_BLT: case OP_BGE: case OP_BLTU:
    case OP_BGEU:
    case OP_SB: case OP_SH: case OP_SW: case OP_SD:
    case OP_FENCE: case OP_FENCE_I: case OP_ECALL: case OP_EBREAK:
    case OP_MRET: case OP_SRET: case OP_WFI: case OP_SFENCE_VMA:
    case OP_FLW: case OP_FSW: case OP_FLD: case OP_FSD:
        return false;
    case OP_FCVT_W_S: case OP_FCVT_WU_S: case OP_FCVT_L_S: case OP_FCVT_LU_S:
    case OP_FMV_X_W: case OP_FEQ_S: case OP_FLT_S: case OP_FLE_S:
    case OP_FCLASS_S:
    case OP_FCVT_W_D: case OP_FCVT_WU_D: case OP_FCVT_L_D: case OP_FCVT_LU_D:
    case OP_FMV_X_D: case OP_FEQ_D: case OP_FLT_D: case OP_FLE_D:
    case OP_FCLASS_D:
        return true;
    }
    return op < OP_FIRST_FPU;
}

void rv_decode(uint32_t raw, struct insn *out)
{
    memset(out, 0, sizeof *out);
    if ((raw & 3) == 3) {
        out->raw = raw;
        decode32(raw, out);
    } else {
        out->raw = raw & 0xffff;
        decode16(raw & 0xffff, out);
    }
    if (out->rd == 0 && writes_x(out->op))
        out->rd = RV_RD_SINK;
}
