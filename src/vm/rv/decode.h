/* The decoded form of one RISC-V instruction. The decoder turns raw bits
 * (32-bit or compressed) into a struct insn once; the interpreter (and later
 * the translator) work only on this form. Compressed instructions decode to
 * the op of their 32-bit expansion with len = 2. */
#ifndef CELLA_VM_RV_DECODE_H
#define CELLA_VM_RV_DECODE_H

#include <stdint.h>

#define RV_OPS(X) \
    X(ILLEGAL) \
    /* RV64I */ \
    X(LUI) X(AUIPC) X(JAL) X(JALR) \
    X(BEQ) X(BNE) X(BLT) X(BGE) X(BLTU) X(BGEU) \
    X(LB) X(LH) X(LW) X(LD) X(LBU) X(LHU) X(LWU) \
    X(SB) X(SH) X(SW) X(SD) \
    X(ADDI) X(SLTI) X(SLTIU) X(XORI) X(ORI) X(ANDI) X(SLLI) X(SRLI) X(SRAI) \
    X(ADD) X(SUB) X(SLL) X(SLT) X(SLTU) X(XOR) X(SRL) X(SRA) X(OR) X(AND) \
    X(ADDIW) X(SLLIW) X(SRLIW) X(SRAIW) \
    X(ADDW) X(SUBW) X(SLLW) X(SRLW) X(SRAW) \
    X(FENCE) X(FENCE_I) X(ECALL) X(EBREAK) \
    /* privileged */ \
    X(MRET) X(SRET) X(WFI) X(SFENCE_VMA) \
    /* Zicsr: imm = csr number; for the I forms rs1 holds the uimm */ \
    X(CSRRW) X(CSRRS) X(CSRRC) X(CSRRWI) X(CSRRSI) X(CSRRCI) \
    /* M */ \
    X(MUL) X(MULH) X(MULHSU) X(MULHU) X(DIV) X(DIVU) X(REM) X(REMU) \
    X(MULW) X(DIVW) X(DIVUW) X(REMW) X(REMUW) \
    /* A: rm holds aq/rl bits */ \
    X(LR_W) X(SC_W) X(AMOSWAP_W) X(AMOADD_W) X(AMOXOR_W) X(AMOAND_W) \
    X(AMOOR_W) X(AMOMIN_W) X(AMOMAX_W) X(AMOMINU_W) X(AMOMAXU_W) \
    X(LR_D) X(SC_D) X(AMOSWAP_D) X(AMOADD_D) X(AMOXOR_D) X(AMOAND_D) \
    X(AMOOR_D) X(AMOMIN_D) X(AMOMAX_D) X(AMOMINU_D) X(AMOMAXU_D) \
    /* Zba / Zbb / Zbs */ \
    X(SH1ADD) X(SH2ADD) X(SH3ADD) X(ADD_UW) X(SH1ADD_UW) X(SH2ADD_UW) \
    X(SH3ADD_UW) X(SLLI_UW) \
    X(ANDN) X(ORN) X(XNOR) X(CLZ) X(CTZ) X(CPOP) X(CLZW) X(CTZW) X(CPOPW) \
    X(MAX) X(MAXU) X(MIN) X(MINU) X(SEXT_B) X(SEXT_H) X(ZEXT_H) \
    X(ROL) X(ROR) X(RORI) X(ROLW) X(RORW) X(RORIW) X(ORC_B) X(REV8) \
    X(BCLR) X(BCLRI) X(BEXT) X(BEXTI) X(BINV) X(BINVI) X(BSET) X(BSETI) \
    /* F and D loads/stores (imm is the offset) */ \
    X(FLW) X(FSW) X(FLD) X(FSD)

/* F and D arithmetic, executed by the FPU; rm holds the rounding mode. */
#define RV_OPS_FPU(X) \
    X(FMADD_S) X(FMSUB_S) X(FNMSUB_S) X(FNMADD_S) \
    X(FADD_S) X(FSUB_S) X(FMUL_S) X(FDIV_S) X(FSQRT_S) \
    X(FSGNJ_S) X(FSGNJN_S) X(FSGNJX_S) X(FMIN_S) X(FMAX_S) \
    X(FCVT_W_S) X(FCVT_WU_S) X(FCVT_L_S) X(FCVT_LU_S) \
    X(FCVT_S_W) X(FCVT_S_WU) X(FCVT_S_L) X(FCVT_S_LU) \
    X(FMV_X_W) X(FMV_W_X) X(FEQ_S) X(FLT_S) X(FLE_S) X(FCLASS_S) \
    X(FMADD_D) X(FMSUB_D) X(FNMSUB_D) X(FNMADD_D) \
    X(FADD_D) X(FSUB_D) X(FMUL_D) X(FDIV_D) X(FSQRT_D) \
    X(FSGNJ_D) X(FSGNJN_D) X(FSGNJX_D) X(FMIN_D) X(FMAX_D) \
    X(FCVT_W_D) X(FCVT_WU_D) X(FCVT_L_D) X(FCVT_LU_D) \
    X(FCVT_D_W) X(FCVT_D_WU) X(FCVT_D_L) X(FCVT_D_LU) \
    X(FCVT_S_D) X(FCVT_D_S) \
    X(FMV_X_D) X(FMV_D_X) X(FEQ_D) X(FLT_D) X(FLE_D) X(FCLASS_D)

#define RV_OPS_ALL(X) RV_OPS(X) RV_OPS_FPU(X)

enum rv_op {
#define RV_OP_ENUM(name) OP_##name,
    RV_OPS_ALL(RV_OP_ENUM)
#undef RV_OP_ENUM
    OP_COUNT
};

_Static_assert(OP_COUNT <= 256, "ops must fit in struct insn's op byte");

/* First and last op of the F/D range that goes to the FPU (loads and stores
 * excluded: the interpreter does those through the MMU). */
#define OP_FIRST_FPU OP_FMADD_S
#define OP_LAST_FPU OP_FCLASS_D

/* rd of an instruction whose integer result goes to x0: hart x[] has a
 * 33rd entry that takes it, so executing never has to test for x0. */
#define RV_RD_SINK 32

struct insn {
    uint8_t op;         /* enum rv_op */
    uint8_t cache_gen;  /* the decoded-instruction cache's; rv_decode sets 0 */
    uint8_t rd, rs1, rs2, rs3;
    uint8_t len;        /* 2 or 4 bytes */
    uint8_t rm;         /* FP rounding mode (funct3) or AMO aq/rl */
    int32_t imm;        /* sign-extended immediate, shift amount or CSR no. */
    uint32_t raw;       /* the instruction bits, for xtval on illegal insn */
};

/* Decode the instruction whose low 16 bits are in raw (and, if those say
 * it is a 32-bit instruction, the full 32 bits). Never fails: unknown or
 * reserved encodings decode to OP_ILLEGAL. An integer destination x0
 * becomes RV_RD_SINK. */
void rv_decode(uint32_t raw, struct insn *out);

/* Name of an op, for traces and tests ("ADDI"). */
const char *rv_op_name(unsigned op);

#endif
