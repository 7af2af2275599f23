/* The interpreter: fetch (through the decoded-instruction page cache),
 * then execute one struct insn at a time. Everything that is not plain
 * arithmetic goes to the MMU, CSR, trap or FPU code. */
#include "vm/rv/cpu.h"

#include "vm/bus.h"
#include "vm/rv/fpu.h"
#include "vm/rv/jit.h"

/* Fetch a 32-bit instruction whose second half lies on the next page. */
static bool fetch_cross(struct hart *h, uint16_t lo, uint32_t *raw)
{
    uint64_t pa;
    uint64_t va = h->pc + 2;
    if (!mmu_translate(h, va, TLB_X, h->priv, &pa))
        return false;
    uint8_t *p = bus_ram_ptr(h->env.bus, pa, 2);
    if (!p)
        return rv_raise(h, EXC_INSN_ACCESS, va);
    uint16_t hi;
    memcpy(&hi, p, 2);
    *raw = lo | (uint32_t)hi << 16;
    return true;
}

static uint64_t rotl64(uint64_t a, unsigned s)
{
    s &= 63;
    return (a << s) | (a >> ((64 - s) & 63));
}

static uint32_t rotl32(uint32_t a, unsigned s)
{
    s &= 31;
    return (a << s) | (a >> ((32 - s) & 31));
}

static uint64_t orc_b(uint64_t a)
{
    uint64_t r = 0;
    for (int i = 0; i < 64; i += 8)
        if ((a >> i) & 0xff)
            r |= 0xffull << i;
    return r;
}

static uint64_t div_s(uint64_t a, uint64_t b)
{
    if (b == 0)
        return UINT64_MAX;
    if ((int64_t)a == INT64_MIN && (int64_t)b == -1)
        return a;
    return (uint64_t)((int64_t)a / (int64_t)b);
}

static uint64_t rem_s(uint64_t a, uint64_t b)
{
    if (b == 0)
        return a;
    if ((int64_t)a == INT64_MIN && (int64_t)b == -1)
        return 0;
    return (uint64_t)((int64_t)a % (int64_t)b);
}

static uint64_t divw_s(uint64_t a, uint64_t b)
{
    int32_t x = (int32_t)a, y = (int32_t)b;
    if (y == 0)
        return UINT64_MAX;
    if (x == INT32_MIN && y == -1)
        return sx32((uint32_t)x);
    return sx32((uint32_t)(x / y));
}

static uint64_t remw_s(uint64_t a, uint64_t b)
{
    int32_t x = (int32_t)a, y = (int32_t)b;
    if (y == 0)
        return sx32((uint32_t)x);
    if (x == INT32_MIN && y == -1)
        return 0;
    return sx32((uint32_t)(x % y));
}

static bool fs_off(const struct hart *h)
{
    return (h->mstatus & MSTATUS_FS) == 0;
}

/* The hot loop. pc lives in a local; h->pc is written back before
 * anything that looks at it (traps, fetch-page changes) and on return.
 * Dispatch is threaded: every handler ends in its own copy of NEXT (fall
 * through to the next decoded entry of the page) or NEXT_AT (a taken
 * branch or jump: look pc up afresh), then jumps straight to the next
 * op's handler. The time-slice budget is counted at taken branches, jumps
 * and page changes: straight-line code cannot run long without one. */
enum hart_exit hart_exec(struct hart *h, unsigned n)
{
    /* [len >> 2][op]: a handler per encoding length (see OP) */
    static void *const labels[2][OP_DISPATCH] = {
#define RV_OP_LABEL2(name) [OP_##name] = &&L2_##name,
#define RV_OP_LABEL4(name) [OP_##name] = &&L4_##name,
        {RV_OPS_ALL(RV_OP_LABEL2) RV_OP_LABEL2(JIT)},
        {RV_OPS_ALL(RV_OP_LABEL4) RV_OP_LABEL4(JIT)},
#undef RV_OP_LABEL2
#undef RV_OP_LABEL4
    };
    uint64_t *x = h->x;
    uint64_t pc = h->pc;
    unsigned left = n;   /* taken branches, jumps, page changes to go */
    struct tlb_entry (*dtlb)[TLB_SIZE] = h->tlb[h->data_slot];
    uint64_t vpn = h->fetch_vpn;
    const uint8_t *host = h->fetch_host;
    struct insn *code = h->fetch_code;
    uint8_t gen = h->fetch_gen;
    struct insn tmp[3] = {{0}}, *in;
    unsigned retired = 0;
    uint64_t v;
    /* where a jump lands on one of these ops, a block is translated */
    static const uint8_t interpret_only[OP_DISPATCH];
    const uint8_t *translate_at = h->jit ? jit_starts : interpret_only;

#define RD x[in->rd]
#define RS1 x[in->rs1]
#define RS2 x[in->rs2]
#define IMM ((uint64_t)(int64_t)in->imm)
#define NEXT_AT(target)                                                     \
    do {                                                                    \
        pc = (target);                                                      \
        retired++;                                                          \
        if (unlikely(--left == 0))                                          \
            goto out;                                                       \
        DISPATCH();                                                         \
    } while (0)
/* Fall through to the next instruction of the page. In OP handlers LEN is
 * the encoding length as a constant, so finding the next entry needs no
 * load; NEXT_ANY is the same for handlers shared by both lengths. */
#define NEXT_BY(bytes)                                                      \
    do {                                                                    \
        pc += (bytes);                                                      \
        retired++;                                                          \
        /* 2 or 4 bytes: 1 or 2 entries of 16 bytes */                     \
        in = (struct insn *)((char *)in + (bytes) * 8);                     \
        if (unlikely(in->cache_gen != gen))                                 \
            goto undecoded;                                                 \
        goto *labels[in->len >> 2][in->op];                                 \
    } while (0)
#define NEXT NEXT_BY(LEN)
#define NEXT_ANY                                                            \
    do {                                                                    \
        unsigned len_ = in->len;                                            \
        NEXT_BY(len_);                                                      \
    } while (0)
/* Each hot op has a handler per encoding length: LEN is a constant in
 * its body (the bodies end in a jump, so the first never runs into the
 * second). Cold ops share one body (ANYLEN) that reads in->len. */
#define OP(name, ...)                                                       \
    L2_##name: { enum { LEN = 2 }; __VA_ARGS__ }                            \
    L4_##name: { enum { LEN = 4 }; __VA_ARGS__ }
#define ANYLEN(name) L2_##name: L4_##name:
/* Loads and stores look the data TLB up inline (dtlb is the current
 * slot: it changes only on CSR writes and traps, after which this function
 * returns); misses, page crossings and MMIO take the slow path. */
#define LOAD(T, conv)                                                       \
    do {                                                                    \
        uint64_t va_ = RS1 + IMM;                                           \
        void *p_;                                                           \
        if (tlb_lookup(dtlb, TLB_R, va_, sizeof(T), &p_)) {                 \
            T d_;                                                           \
            memcpy(&d_, p_, sizeof(T));                                     \
            v = d_;                                                         \
        } else {                                                            \
            uint64_t s_;                                                    \
            if (!mem_load_slow(h, va_, sizeof(T), &s_))                     \
                goto exception;                                             \
            v = s_;                                                         \
        }                                                                   \
        RD = conv;                                                          \
        NEXT;                                                               \
    } while (0)
#define STORE(T)                                                            \
    do {                                                                    \
        uint64_t va_ = RS1 + IMM;                                           \
        void *p_;                                                           \
        if (tlb_lookup(dtlb, TLB_W, va_, sizeof(T), &p_)) {                 \
            T d_ = (T)RS2;                                                  \
            memcpy(p_, &d_, sizeof(T));                                     \
        } else if (!mem_store_slow(h, va_, sizeof(T), RS2)) {               \
            goto exception;                                                 \
        }                                                                   \
        NEXT;                                                               \
    } while (0)
#define BRANCH(cond)                                                        \
    do {                                                                    \
        if (cond)                                                           \
            NEXT_AT(pc + IMM);                                              \
        NEXT;                                                               \
    } while (0)

/* Fetch the instruction at pc and jump to its handler. Every handler has
 * its own copy (threaded dispatch: one indirect jump per handler, which
 * the host predicts far better than a single shared one). An entry of
 * another generation is decoded from memory first (undecoded). With the
 * translator on, a jump to a decoded entry that can start a block (the
 * second visit: the first one decoded it) translates one there. */
#define DISPATCH()                                                          \
    do {                                                                    \
        if (unlikely((pc >> 12) != vpn))                                    \
            goto new_page;                                                  \
        in = &code[(pc & 0xfff) >> 1];                                      \
        if (unlikely(in->cache_gen != gen))                                 \
            goto undecoded;                                                 \
        if (unlikely(translate_at[in->op]))                                 \
            goto translate;                                                 \
        goto *labels[in->len >> 2][in->op];                                 \
    } while (0)

/* Make pc's page the fetch page: the fetch TLB, else the full walk. */
#define SWITCH_PAGE()                                                       \
    do {                                                                    \
        if (unlikely(!fetch_tlb_hit(h, pc))) {                              \
            h->pc = pc;                                                     \
            if (!fetch_page(h))                                             \
                goto exception;                                             \
        }                                                                   \
        vpn = h->fetch_vpn;                                                 \
        host = h->fetch_host;                                               \
        code = h->fetch_code;                                               \
        gen = h->fetch_gen;                                                 \
    } while (0)

    DISPATCH();

new_page:   /* pc left the current page: fetch TLB, else the full walk */
    if (unlikely(--left == 0))
        goto out;
    SWITCH_PAGE();
    DISPATCH();

undecoded:  /* not decoded in this generation, or off the end of the page */
    __asm__("" : "+r"(pc));     /* keep pc >> 12 from being hoisted into NEXT */
    if (unlikely((pc >> 12) != vpn))
        goto new_page;
    in = &code[(pc & 0xfff) >> 1];
    {
        uint32_t raw;
        if (unlikely(!code_bits(host, pc & 0xfff, &raw))) {
            /* Spans two pages, whose mappings may change apart: decode
             * it every time, never cache it. */
            h->pc = pc;
            if (!fetch_cross(h, (uint16_t)raw, &raw))
                goto exception;
            rv_decode(raw, &tmp[0]);
            in = &tmp[0];   /* tmp[2], never valid, ends the page */
            goto *labels[in->len >> 2][in->op];
        }
        rv_decode(raw, in);
        in->cache_gen = gen;
    }
    goto *labels[in->len >> 2][in->op];

translate:
    {
        long off = jit_translate(h->jit, code, host, pc & 0xfff, gen, pc);
        if (off == JIT_FULL) {
            icache_flush(h);    /* drops every block; the locals are stale */
            goto out;
        }
        if (off >= 0) {
            in->op = OP_JIT;
            in->imm = (int32_t)off;
        }
    }
    goto *labels[in->len >> 2][in->op];

ANYLEN(JIT)
    {
        /* minstret exact for a block that reads it (jit_x86_call.c) */
        h->instret += retired;
        retired = 0;
        struct jit_exit r = jit_run(h->jit, in->imm, h, dtlb, pc, left);
        pc = r.pc;
        retired += JIT_RETIRED(r.n);
        left = JIT_LEFT(r.n);
        if (unlikely(r.n & JIT_BAIL))
            goto bail;
    }
    if (unlikely(left <= 1))
        goto out;
    left--;
    DISPATCH();

bail:   /* a block stopped before an instruction it could not do this time
         * (a TLB miss, MMIO, a page crossing): interpret that one. The
         * block may be on another page than the one it was entered on,
         * reached through the fetch TLB, which still holds it. */
    if (unlikely((pc >> 12) != vpn))
        SWITCH_PAGE();
    {
        uint32_t raw;
        code_bits(host, pc & 0xfff, &raw);  /* blocks stop short of 0xffe */
        rv_decode(raw, &tmp[0]);
        in = &tmp[0];   /* tmp[1] and tmp[2], never valid, end it */
    }
    goto *labels[in->len >> 2][in->op];

OP(LUI, RD = IMM; NEXT;)
OP(AUIPC, RD = pc + IMM; NEXT;)
OP(JAL, RD = pc + LEN; NEXT_AT(pc + IMM);)
OP(JALR, v = (RS1 + IMM) & ~1ull; RD = pc + LEN; NEXT_AT(v);)
OP(BEQ, BRANCH(RS1 == RS2);)
OP(BNE, BRANCH(RS1 != RS2);)
OP(BLT, BRANCH((int64_t)RS1 < (int64_t)RS2);)
OP(BGE, BRANCH((int64_t)RS1 >= (int64_t)RS2);)
OP(BLTU, BRANCH(RS1 < RS2);)
OP(BGEU, BRANCH(RS1 >= RS2);)

OP(LB, LOAD(uint8_t, (uint64_t)(int64_t)(int8_t)v);)
OP(LH, LOAD(uint16_t, (uint64_t)(int64_t)(int16_t)v);)
OP(LW, LOAD(uint32_t, sx32(v));)
OP(LD, LOAD(uint64_t, v);)
OP(LBU, LOAD(uint8_t, v);)
OP(LHU, LOAD(uint16_t, v);)
OP(LWU, LOAD(uint32_t, v);)
OP(SB, STORE(uint8_t);)
OP(SH, STORE(uint16_t);)
OP(SW, STORE(uint32_t);)
OP(SD, STORE(uint64_t);)

OP(ADDI, RD = RS1 + IMM; NEXT;)
OP(SLTI, RD = (int64_t)RS1 < (int64_t)IMM; NEXT;)
OP(SLTIU, RD = RS1 < IMM; NEXT;)
OP(XORI, RD = RS1 ^ IMM; NEXT;)
OP(ORI, RD = RS1 | IMM; NEXT;)
OP(ANDI, RD = RS1 & IMM; NEXT;)
OP(SLLI, RD = RS1 << (in->imm & 63); NEXT;)
OP(SRLI, RD = RS1 >> (in->imm & 63); NEXT;)
OP(SRAI, RD = (uint64_t)((int64_t)RS1 >> (in->imm & 63)); NEXT;)
OP(ADD, RD = RS1 + RS2; NEXT;)
OP(SUB, RD = RS1 - RS2; NEXT;)
OP(SLL, RD = RS1 << (RS2 & 63); NEXT;)
OP(SLT, RD = (int64_t)RS1 < (int64_t)RS2; NEXT;)
OP(SLTU, RD = RS1 < RS2; NEXT;)
OP(XOR, RD = RS1 ^ RS2; NEXT;)
OP(SRL, RD = RS1 >> (RS2 & 63); NEXT;)
OP(SRA, RD = (uint64_t)((int64_t)RS1 >> (RS2 & 63)); NEXT;)
OP(OR, RD = RS1 | RS2; NEXT;)
OP(AND, RD = RS1 & RS2; NEXT;)
OP(ADDIW, RD = sx32(RS1 + IMM); NEXT;)
OP(SLLIW, RD = sx32((uint32_t)RS1 << (in->imm & 31)); NEXT;)
OP(SRLIW, RD = sx32((uint32_t)RS1 >> (in->imm & 31)); NEXT;)
OP(SRAIW, RD = sx32((uint32_t)((int32_t)RS1 >> (in->imm & 31))); NEXT;)
OP(ADDW, RD = sx32(RS1 + RS2); NEXT;)
OP(SUBW, RD = sx32(RS1 - RS2); NEXT;)
OP(SLLW, RD = sx32((uint32_t)RS1 << (RS2 & 31)); NEXT;)
OP(SRLW, RD = sx32((uint32_t)RS1 >> (RS2 & 31)); NEXT;)
OP(SRAW, RD = sx32((uint32_t)((int32_t)RS1 >> (RS2 & 31))); NEXT;)

OP(MUL, RD = RS1 * RS2; NEXT;)
OP(MULH, RD = (uint64_t)(((__int128)(int64_t)RS1 * (int64_t)RS2) >> 64); NEXT;)
OP(MULHSU, RD = (uint64_t)(((__int128)(int64_t)RS1 * (__int128)RS2) >> 64); NEXT;)
OP(MULHU, RD = (uint64_t)(((unsigned __int128)RS1 * RS2) >> 64); NEXT;)
OP(DIV, RD = div_s(RS1, RS2); NEXT;)
OP(DIVU, RD = RS2 ? RS1 / RS2 : UINT64_MAX; NEXT;)
OP(REM, RD = rem_s(RS1, RS2); NEXT;)
OP(REMU, RD = RS2 ? RS1 % RS2 : RS1; NEXT;)
OP(MULW, RD = sx32((uint32_t)RS1 * (uint32_t)RS2); NEXT;)
OP(DIVW, RD = divw_s(RS1, RS2); NEXT;)
OP(DIVUW,
    RD = (uint32_t)RS2 ? sx32((uint32_t)RS1 / (uint32_t)RS2) : UINT64_MAX;
    NEXT;)
OP(REMW, RD = remw_s(RS1, RS2); NEXT;)
OP(REMUW,
    RD = sx32((uint32_t)RS2 ? (uint32_t)RS1 % (uint32_t)RS2 : (uint32_t)RS1);
    NEXT;)

OP(SH1ADD, RD = (RS1 << 1) + RS2; NEXT;)
OP(SH2ADD, RD = (RS1 << 2) + RS2; NEXT;)
OP(SH3ADD, RD = (RS1 << 3) + RS2; NEXT;)
OP(ADD_UW, RD = (uint32_t)RS1 + RS2; NEXT;)
OP(SH1ADD_UW, RD = ((uint64_t)(uint32_t)RS1 << 1) + RS2; NEXT;)
OP(SH2ADD_UW, RD = ((uint64_t)(uint32_t)RS1 << 2) + RS2; NEXT;)
OP(SH3ADD_UW, RD = ((uint64_t)(uint32_t)RS1 << 3) + RS2; NEXT;)
OP(SLLI_UW, RD = (uint64_t)(uint32_t)RS1 << (in->imm & 63); NEXT;)
OP(ANDN, RD = RS1 & ~RS2; NEXT;)
OP(ORN, RD = RS1 | ~RS2; NEXT;)
OP(XNOR, RD = ~(RS1 ^ RS2); NEXT;)
OP(CLZ, RD = RS1 ? (uint64_t)__builtin_clzll(RS1) : 64; NEXT;)
OP(CTZ, RD = RS1 ? (uint64_t)__builtin_ctzll(RS1) : 64; NEXT;)
OP(CPOP, RD = (uint64_t)__builtin_popcountll(RS1); NEXT;)
OP(CLZW, RD = (uint32_t)RS1 ? (uint64_t)__builtin_clz((uint32_t)RS1) : 32; NEXT;)
OP(CTZW, RD = (uint32_t)RS1 ? (uint64_t)__builtin_ctz((uint32_t)RS1) : 32; NEXT;)
OP(CPOPW, RD = (uint64_t)__builtin_popcount((uint32_t)RS1); NEXT;)
OP(MAX, RD = (int64_t)RS1 > (int64_t)RS2 ? RS1 : RS2; NEXT;)
OP(MAXU, RD = RS1 > RS2 ? RS1 : RS2; NEXT;)
OP(MIN, RD = (int64_t)RS1 < (int64_t)RS2 ? RS1 : RS2; NEXT;)
OP(MINU, RD = RS1 < RS2 ? RS1 : RS2; NEXT;)
OP(SEXT_B, RD = (uint64_t)(int64_t)(int8_t)RS1; NEXT;)
OP(SEXT_H, RD = (uint64_t)(int64_t)(int16_t)RS1; NEXT;)
OP(ZEXT_H, RD = (uint16_t)RS1; NEXT;)
OP(ROL, RD = rotl64(RS1, (unsigned)RS2); NEXT;)
OP(ROR, RD = rotl64(RS1, (unsigned)(64 - (RS2 & 63))); NEXT;)
OP(RORI, RD = rotl64(RS1, (unsigned)(64 - (in->imm & 63))); NEXT;)
OP(ROLW, RD = sx32(rotl32((uint32_t)RS1, (unsigned)RS2)); NEXT;)
OP(RORW, RD = sx32(rotl32((uint32_t)RS1, (unsigned)(32 - (RS2 & 31)))); NEXT;)
OP(RORIW, RD = sx32(rotl32((uint32_t)RS1, (unsigned)(32 - (in->imm & 31)))); NEXT;)
OP(ORC_B, RD = orc_b(RS1); NEXT;)
OP(REV8, RD = __builtin_bswap64(RS1); NEXT;)
OP(BCLR, RD = RS1 & ~(1ull << (RS2 & 63)); NEXT;)
OP(BCLRI, RD = RS1 & ~(1ull << (in->imm & 63)); NEXT;)
OP(BEXT, RD = (RS1 >> (RS2 & 63)) & 1; NEXT;)
OP(BEXTI, RD = (RS1 >> (in->imm & 63)) & 1; NEXT;)
OP(BINV, RD = RS1 ^ (1ull << (RS2 & 63)); NEXT;)
OP(BINVI, RD = RS1 ^ (1ull << (in->imm & 63)); NEXT;)
OP(BSET, RD = RS1 | (1ull << (RS2 & 63)); NEXT;)
OP(BSETI, RD = RS1 | (1ull << (in->imm & 63)); NEXT;)

OP(FENCE, atomic_thread_fence(memory_order_seq_cst); NEXT;)
ANYLEN(FENCE_I)
    icache_flush(h);
    pc += in->len;
    goto leave;
ANYLEN(ECALL) rv_raise(h, EXC_ECALL_U + (uint64_t)h->priv, 0); goto exception;
ANYLEN(EBREAK) rv_raise(h, EXC_BREAKPOINT, pc); goto exception;
ANYLEN(MRET)
    if (h->priv < PRV_M)
        goto illegal;
    do_mret(h);
    goto leave_jumped;
ANYLEN(SRET)
    if (h->priv < PRV_S || (h->priv == PRV_S && (h->mstatus & MSTATUS_TSR)))
        goto illegal;
    do_sret(h);
    goto leave_jumped;
ANYLEN(WFI)
    if (h->priv == PRV_U || (h->priv == PRV_S && (h->mstatus & MSTATUS_TW)))
        goto illegal;
    pc += in->len;
    h->pc = pc;
    h->instret += retired + 1;
    hart_wfi(h);
    return HART_RAN;
ANYLEN(SFENCE_VMA)
    if (h->priv == PRV_U || (h->priv == PRV_S && (h->mstatus & MSTATUS_TVM)))
        goto illegal;
    if (in->rs1)
        tlb_flush_page(h, RS1);
    else
        tlb_flush(h);
    pc += in->len;
    goto leave;
ANYLEN(CSRRW) ANYLEN(CSRRS) ANYLEN(CSRRC)
ANYLEN(CSRRWI) ANYLEN(CSRRSI) ANYLEN(CSRRCI)
    /* minstret exact for csr_exec; this instruction retires at leave */
    h->instret += retired;
    retired = 0;
    if (!csr_exec(h, in))
        goto exception;
    pc += in->len;
    goto leave;     /* interrupt enables or modes may have changed */

ANYLEN(LR_W) ANYLEN(SC_W) ANYLEN(AMOSWAP_W) ANYLEN(AMOADD_W)
ANYLEN(AMOXOR_W) ANYLEN(AMOAND_W) ANYLEN(AMOOR_W) ANYLEN(AMOMIN_W)
ANYLEN(AMOMAX_W) ANYLEN(AMOMINU_W) ANYLEN(AMOMAXU_W)
ANYLEN(LR_D) ANYLEN(SC_D) ANYLEN(AMOSWAP_D) ANYLEN(AMOADD_D)
ANYLEN(AMOXOR_D) ANYLEN(AMOAND_D) ANYLEN(AMOOR_D) ANYLEN(AMOMIN_D)
ANYLEN(AMOMAX_D) ANYLEN(AMOMINU_D) ANYLEN(AMOMAXU_D)
    if (!rv_atomic(h, in))
        goto exception;
    NEXT_ANY;

OP(FLW,
    if (fs_off(h))
        goto illegal;
    {
        uint64_t w;
        if (!mem_load(h, RS1 + IMM, 4, &w))
            goto exception;
        h->f[in->rd] = w | 0xffffffff00000000ull;
    }
    h->mstatus |= MSTATUS_FS;
    NEXT;)
OP(FLD,
    if (fs_off(h))
        goto illegal;
    {
        uint64_t d;
        if (!mem_load(h, RS1 + IMM, 8, &d))
            goto exception;
        h->f[in->rd] = d;
    }
    h->mstatus |= MSTATUS_FS;
    NEXT;)
OP(FSW,
    if (fs_off(h))
        goto illegal;
    if (!mem_store(h, RS1 + IMM, 4, h->f[in->rs2]))
        goto exception;
    NEXT;)
OP(FSD,
    if (fs_off(h))
        goto illegal;
    if (!mem_store(h, RS1 + IMM, 8, h->f[in->rs2]))
        goto exception;
    NEXT;)

#define RV_OP_FPU_LABEL(name) ANYLEN(name)
    RV_OPS_FPU(RV_OP_FPU_LABEL)
#undef RV_OP_FPU_LABEL
    if (fs_off(h) || fpu_exec(h, in) < 0)
        goto illegal;
    h->mstatus |= MSTATUS_FS;
    NEXT_ANY;

ANYLEN(ILLEGAL)
illegal:
    rv_raise(h, EXC_ILLEGAL, in->raw);
exception:
    h->pc = pc;
    h->instret += retired;
    return trap_exception(h);
leave:      /* pc already advanced past an instruction that retired */
    retired++;
out:
    h->pc = pc;
    h->instret += retired;
    return HART_RAN;
leave_jumped:   /* an xRET set h->pc itself */
    h->instret += retired + 1;
    return HART_RAN;
#undef RD
#undef RS1
#undef RS2
#undef IMM
#undef NEXT_AT
#undef DISPATCH
#undef NEXT
#undef NEXT_BY
#undef NEXT_ANY
#undef OP
#undef ANYLEN
#undef LOAD
#undef STORE
#undef BRANCH
#undef SWITCH_PAGE
}
