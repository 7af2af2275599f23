/* RISC-V instruction encoders for unit tests that put hand-made code in
 * guest RAM: one per base format, and R4 (the fused multiply-adds). */
#ifndef CELLA_TEST_RV_ENCODE_H
#define CELLA_TEST_RV_ENCODE_H

#include <stdint.h>

static inline uint32_t r_type(unsigned f7, unsigned rs2, unsigned rs1,
                              unsigned f3, unsigned rd, unsigned op)
{
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static inline uint32_t i_type(int32_t imm, unsigned rs1, unsigned f3,
                              unsigned rd, unsigned op)
{
    return (uint32_t)(imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static inline uint32_t r4_type(unsigned rs3, unsigned fmt, unsigned rs2,
                               unsigned rs1, unsigned rm, unsigned rd,
                               unsigned op)
{
    return rs3 << 27 | fmt << 25 | rs2 << 20 | rs1 << 15 | rm << 12 |
           rd << 7 | op;
}

/* A store of opcode op: 0x23 for the integer ones, 0x27 for FSW/FSD. */
static inline uint32_t s_type_op(int32_t imm, unsigned rs2, unsigned rs1,
                                 unsigned f3, unsigned op)
{
    uint32_t u = (uint32_t)imm & 0xfff;
    return (u >> 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 31) << 7 |
           op;
}

static inline uint32_t s_type(int32_t imm, unsigned rs2, unsigned rs1,
                              unsigned f3)
{
    return s_type_op(imm, rs2, rs1, f3, 0x23);
}

static inline uint32_t b_type(int32_t imm, unsigned rs2, unsigned rs1,
                              unsigned f3)
{
    uint32_t u = (uint32_t)imm;
    return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 |
           rs1 << 15 | f3 << 12 | ((u >> 1) & 0xf) << 8 |
           ((u >> 11) & 1) << 7 | 0x63;
}

static inline uint32_t u_type(int32_t imm20, unsigned rd, unsigned op)
{
    return (uint32_t)imm20 << 12 | rd << 7 | op;
}

static inline uint32_t j_type(int32_t imm, unsigned rd)
{
    uint32_t u = (uint32_t)imm;
    return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 |
           ((u >> 11) & 1) << 20 | ((u >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
}

#endif
