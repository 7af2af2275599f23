/* Which instructions leave their destination sign-extended from 32 bits
 * (jit_emit.h): what lets the emitter make SEXT.W of such a value a
 * plain move. */
#include "vm/rv/jit_emit.h"

static bool known(uint32_t sext, unsigned r)
{
    return sext >> r & 1;
}

bool jit_leaves_sext(const struct insn *in, uint32_t sext)
{
    switch (in->op) {
    case OP_LUI: case OP_LB: case OP_LH: case OP_LW: case OP_LBU: case OP_LHU:
    case OP_ADDIW: case OP_SLLIW: case OP_SRLIW: case OP_SRAIW:
    case OP_ADDW: case OP_SUBW: case OP_SLLW: case OP_SRLW: case OP_SRAW:
    case OP_MULW: case OP_DIVW: case OP_DIVUW: case OP_REMW: case OP_REMUW:
    case OP_ROLW: case OP_RORW: case OP_RORIW:
    case OP_SLT: case OP_SLTU: case OP_SLTI: case OP_SLTIU:
    case OP_CLZ: case OP_CTZ: case OP_CPOP: case OP_CLZW: case OP_CTZW:
    case OP_CPOPW: case OP_SEXT_B: case OP_SEXT_H: case OP_ZEXT_H:
    case OP_BEXT: case OP_BEXTI:
        return true;
    case OP_ADDI:       /* li, or mv */
        return in->rs1 == 0 || (in->imm == 0 && known(sext, in->rs1));
    case OP_ANDI:       /* a mask of 11 bits, or two such values */
        return in->imm >= 0 || known(sext, in->rs1);
    case OP_ORI: case OP_XORI: case OP_SRAI:
        return known(sext, in->rs1);
    case OP_SRLI:       /* 31 bits or fewer */
        return in->imm >= 33 || (in->imm == 0 && known(sext, in->rs1));
    case OP_ADD:        /* mv (C.MV is ADD rd, x0, rs2) */
        return (in->rs1 == 0 && known(sext, in->rs2)) ||
               (in->rs2 == 0 && known(sext, in->rs1));
    case OP_AND: case OP_OR: case OP_XOR:
    case OP_MIN: case OP_MAX: case OP_MINU: case OP_MAXU:
        return known(sext, in->rs1) && known(sext, in->rs2);
    default:
        return false;
    }
}
