/* The interpreter: fetch (through the decoded-instruction page cache),
 * then execute one struct insn at a time. Everything that is not plain
 * arithmetic goes to the MMU, CSR, trap or FPU code. */
#include "vm/rv/cpu.h"

#include "vm/machine.h"
#include "vm/rv/fpu.h"

/* Fetch a 32-bit instruction whose second half lies on the next page. */
static bool fetch_cross(struct hart *h, uint16_t lo, uint32_t *raw)
{
    uint64_t pa;
    uint64_t va = h->pc + 2;
    if (!mmu_translate(h, va, TLB_X, h->priv, &pa))
        return false;
    uint8_t *p = bus_ram_ptr(&h->m->bus, pa, 2);
    if (!p)
        return raise(h, EXC_INSN_ACCESS, va);
    uint16_t hi;
    memcpy(&hi, p, 2);
    *raw = lo | (uint32_t)hi << 16;
    return true;
}

static inline uint64_t sx32(uint64_t v) { return (uint64_t)(int64_t)(int32_t)v; }

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

/* One AMO on a 32- or 64-bit word; returns the old value. */
#define AMO_BODY(T, ptr, src, op, out)                                       \
    do {                                                                     \
        T *p_ = (T *)(ptr), s_ = (T)(src), o_;                               \
        switch (op) {                                                        \
        case 0: o_ = __atomic_exchange_n(p_, s_, __ATOMIC_SEQ_CST); break;   \
        case 1: o_ = __atomic_fetch_add(p_, s_, __ATOMIC_SEQ_CST); break;    \
        case 2: o_ = __atomic_fetch_xor(p_, s_, __ATOMIC_SEQ_CST); break;    \
        case 3: o_ = __atomic_fetch_and(p_, s_, __ATOMIC_SEQ_CST); break;    \
        case 4: o_ = __atomic_fetch_or(p_, s_, __ATOMIC_SEQ_CST); break;     \
        default:                                                             \
            o_ = __atomic_load_n(p_, __ATOMIC_RELAXED);                      \
            for (;;) {                                                       \
                T n_ = amo_minmax_##T(op, o_, s_);                           \
                if (__atomic_compare_exchange_n(p_, &o_, n_, false,          \
                        __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))                 \
                    break;                                                   \
            }                                                                \
        }                                                                    \
        out = o_;                                                            \
    } while (0)

/* op: 5 min, 6 max, 7 minu, 8 maxu */
static uint32_t amo_minmax_uint32_t(int op, uint32_t a, uint32_t b)
{
    switch (op) {
    case 5: return (int32_t)a < (int32_t)b ? a : b;
    case 6: return (int32_t)a > (int32_t)b ? a : b;
    case 7: return a < b ? a : b;
    default: return a > b ? a : b;
    }
}

static uint64_t amo_minmax_uint64_t(int op, uint64_t a, uint64_t b)
{
    switch (op) {
    case 5: return (int64_t)a < (int64_t)b ? a : b;
    case 6: return (int64_t)a > (int64_t)b ? a : b;
    case 7: return a < b ? a : b;
    default: return a > b ? a : b;
    }
}

static int amo_kind(unsigned op)
{
    switch (op) {
    case OP_AMOSWAP_W: case OP_AMOSWAP_D: return 0;
    case OP_AMOADD_W: case OP_AMOADD_D: return 1;
    case OP_AMOXOR_W: case OP_AMOXOR_D: return 2;
    case OP_AMOAND_W: case OP_AMOAND_D: return 3;
    case OP_AMOOR_W: case OP_AMOOR_D: return 4;
    case OP_AMOMIN_W: case OP_AMOMIN_D: return 5;
    case OP_AMOMAX_W: case OP_AMOMAX_D: return 6;
    case OP_AMOMINU_W: case OP_AMOMINU_D: return 7;
    default: return 8;
    }
}

static bool exec_atomic(struct hart *h, const struct insn *in)
{
    uint64_t *x = h->x;
    uint64_t addr = x[in->rs1];
    bool dw = in->op >= OP_LR_D;
    unsigned size = dw ? 8 : 4;
    bool lr = in->op == OP_LR_W || in->op == OP_LR_D;
    void *p = mem_atomic_ptr(h, addr, size, lr);
    if (!p)
        return false;
    uint64_t r;
    if (lr) {
        r = dw ? __atomic_load_n((uint64_t *)p, __ATOMIC_SEQ_CST)
               : sx32(__atomic_load_n((uint32_t *)p, __ATOMIC_SEQ_CST));
        h->resv_addr = (uintptr_t)p;
        h->resv_val = r;
        h->resv_valid = true;
    } else if (in->op == OP_SC_W || in->op == OP_SC_D) {
        r = 1;
        if (h->resv_valid && h->resv_addr == (uintptr_t)p) {
            if (dw) {
                uint64_t exp = h->resv_val;
                if (__atomic_compare_exchange_n((uint64_t *)p, &exp,
                        x[in->rs2], false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
                    r = 0;
            } else {
                uint32_t exp = (uint32_t)h->resv_val;
                if (__atomic_compare_exchange_n((uint32_t *)p, &exp,
                        (uint32_t)x[in->rs2], false, __ATOMIC_SEQ_CST,
                        __ATOMIC_SEQ_CST))
                    r = 0;
            }
        }
        h->resv_valid = false;
    } else if (dw) {
        AMO_BODY(uint64_t, p, x[in->rs2], amo_kind(in->op), r);
    } else {
        uint32_t o;
        AMO_BODY(uint32_t, p, x[in->rs2], amo_kind(in->op), o);
        r = sx32(o);
    }
    x[in->rd] = r;
    return true;
}

static bool fs_off(const struct hart *h)
{
    return (h->mstatus & MSTATUS_FS) == 0;
}

void hart_exec(struct hart *h, unsigned n)
{
    uint64_t *x = h->x;
    while (n--) {
        uint64_t pc = h->pc;
        struct insn tmp, *in;
        if (unlikely((pc >> 12) != h->fetch_vpn) && !fetch_page(h))
            goto exception;
        {
            unsigned off = pc & 0xfff;
            const uint8_t *p = h->fetch_host + off;
            uint16_t lo;
            memcpy(&lo, p, 2);
            uint32_t raw = lo;
            if ((lo & 3) == 3) {
                if (unlikely(off == 0xffe)) {
                    if (!fetch_cross(h, lo, &raw))
                        goto exception;
                    rv_decode(raw, &tmp);
                    in = &tmp;
                    goto execute;
                }
                memcpy(&raw, p, 4);
            }
            in = &h->fetch_code[off >> 1];
            if (unlikely(in->raw != raw || in->len == 0))
                rv_decode(raw, in);
        }
    execute:;
        uint64_t npc = pc + in->len;
        uint64_t a = x[in->rs1], b = x[in->rs2];
        int64_t imm = in->imm;
        uint64_t v;
        switch (in->op) {
        case OP_LUI: x[in->rd] = (uint64_t)imm; break;
        case OP_AUIPC: x[in->rd] = pc + (uint64_t)imm; break;
        case OP_JAL: x[in->rd] = npc; npc = pc + (uint64_t)imm; break;
        case OP_JALR:
            v = (a + (uint64_t)imm) & ~1ull;
            x[in->rd] = npc;
            npc = v;
            break;
        case OP_BEQ: if (a == b) npc = pc + (uint64_t)imm; break;
        case OP_BNE: if (a != b) npc = pc + (uint64_t)imm; break;
        case OP_BLT: if ((int64_t)a < (int64_t)b) npc = pc + (uint64_t)imm; break;
        case OP_BGE: if ((int64_t)a >= (int64_t)b) npc = pc + (uint64_t)imm; break;
        case OP_BLTU: if (a < b) npc = pc + (uint64_t)imm; break;
        case OP_BGEU: if (a >= b) npc = pc + (uint64_t)imm; break;

        case OP_LB: if (!mem_load(h, a + (uint64_t)imm, 1, &v)) goto exception;
            x[in->rd] = (uint64_t)(int64_t)(int8_t)v; break;
        case OP_LH: if (!mem_load(h, a + (uint64_t)imm, 2, &v)) goto exception;
            x[in->rd] = (uint64_t)(int64_t)(int16_t)v; break;
        case OP_LW: if (!mem_load(h, a + (uint64_t)imm, 4, &v)) goto exception;
            x[in->rd] = sx32(v); break;
        case OP_LD: if (!mem_load(h, a + (uint64_t)imm, 8, &v)) goto exception;
            x[in->rd] = v; break;
        case OP_LBU: if (!mem_load(h, a + (uint64_t)imm, 1, &v)) goto exception;
            x[in->rd] = v; break;
        case OP_LHU: if (!mem_load(h, a + (uint64_t)imm, 2, &v)) goto exception;
            x[in->rd] = v; break;
        case OP_LWU: if (!mem_load(h, a + (uint64_t)imm, 4, &v)) goto exception;
            x[in->rd] = v; break;
        case OP_SB: if (!mem_store(h, a + (uint64_t)imm, 1, b)) goto exception; break;
        case OP_SH: if (!mem_store(h, a + (uint64_t)imm, 2, b)) goto exception; break;
        case OP_SW: if (!mem_store(h, a + (uint64_t)imm, 4, b)) goto exception; break;
        case OP_SD: if (!mem_store(h, a + (uint64_t)imm, 8, b)) goto exception; break;

        case OP_ADDI: x[in->rd] = a + (uint64_t)imm; break;
        case OP_SLTI: x[in->rd] = (int64_t)a < imm; break;
        case OP_SLTIU: x[in->rd] = a < (uint64_t)imm; break;
        case OP_XORI: x[in->rd] = a ^ (uint64_t)imm; break;
        case OP_ORI: x[in->rd] = a | (uint64_t)imm; break;
        case OP_ANDI: x[in->rd] = a & (uint64_t)imm; break;
        case OP_SLLI: x[in->rd] = a << (imm & 63); break;
        case OP_SRLI: x[in->rd] = a >> (imm & 63); break;
        case OP_SRAI: x[in->rd] = (uint64_t)((int64_t)a >> (imm & 63)); break;
        case OP_ADD: x[in->rd] = a + b; break;
        case OP_SUB: x[in->rd] = a - b; break;
        case OP_SLL: x[in->rd] = a << (b & 63); break;
        case OP_SLT: x[in->rd] = (int64_t)a < (int64_t)b; break;
        case OP_SLTU: x[in->rd] = a < b; break;
        case OP_XOR: x[in->rd] = a ^ b; break;
        case OP_SRL: x[in->rd] = a >> (b & 63); break;
        case OP_SRA: x[in->rd] = (uint64_t)((int64_t)a >> (b & 63)); break;
        case OP_OR: x[in->rd] = a | b; break;
        case OP_AND: x[in->rd] = a & b; break;
        case OP_ADDIW: x[in->rd] = sx32(a + (uint64_t)imm); break;
        case OP_SLLIW: x[in->rd] = sx32((uint32_t)a << (imm & 31)); break;
        case OP_SRLIW: x[in->rd] = sx32((uint32_t)a >> (imm & 31)); break;
        case OP_SRAIW: x[in->rd] = sx32((uint32_t)((int32_t)a >> (imm & 31))); break;
        case OP_ADDW: x[in->rd] = sx32(a + b); break;
        case OP_SUBW: x[in->rd] = sx32(a - b); break;
        case OP_SLLW: x[in->rd] = sx32((uint32_t)a << (b & 31)); break;
        case OP_SRLW: x[in->rd] = sx32((uint32_t)a >> (b & 31)); break;
        case OP_SRAW: x[in->rd] = sx32((uint32_t)((int32_t)a >> (b & 31))); break;

        case OP_MUL: x[in->rd] = a * b; break;
        case OP_MULH:
            x[in->rd] = (uint64_t)(((__int128)(int64_t)a * (int64_t)b) >> 64);
            break;
        case OP_MULHSU:
            x[in->rd] = (uint64_t)(((__int128)(int64_t)a * (__int128)b) >> 64);
            break;
        case OP_MULHU:
            x[in->rd] = (uint64_t)(((unsigned __int128)a * b) >> 64);
            break;
        case OP_DIV: x[in->rd] = div_s(a, b); break;
        case OP_DIVU: x[in->rd] = b ? a / b : UINT64_MAX; break;
        case OP_REM: x[in->rd] = rem_s(a, b); break;
        case OP_REMU: x[in->rd] = b ? a % b : a; break;
        case OP_MULW: x[in->rd] = sx32((uint32_t)a * (uint32_t)b); break;
        case OP_DIVW: x[in->rd] = divw_s(a, b); break;
        case OP_DIVUW:
            x[in->rd] = (uint32_t)b ? sx32((uint32_t)a / (uint32_t)b) : UINT64_MAX;
            break;
        case OP_REMW: x[in->rd] = remw_s(a, b); break;
        case OP_REMUW:
            x[in->rd] = sx32((uint32_t)b ? (uint32_t)a % (uint32_t)b : (uint32_t)a);
            break;

        case OP_SH1ADD: x[in->rd] = (a << 1) + b; break;
        case OP_SH2ADD: x[in->rd] = (a << 2) + b; break;
        case OP_SH3ADD: x[in->rd] = (a << 3) + b; break;
        case OP_ADD_UW: x[in->rd] = (uint32_t)a + b; break;
        case OP_SH1ADD_UW: x[in->rd] = ((uint64_t)(uint32_t)a << 1) + b; break;
        case OP_SH2ADD_UW: x[in->rd] = ((uint64_t)(uint32_t)a << 2) + b; break;
        case OP_SH3ADD_UW: x[in->rd] = ((uint64_t)(uint32_t)a << 3) + b; break;
        case OP_SLLI_UW: x[in->rd] = (uint64_t)(uint32_t)a << (imm & 63); break;
        case OP_ANDN: x[in->rd] = a & ~b; break;
        case OP_ORN: x[in->rd] = a | ~b; break;
        case OP_XNOR: x[in->rd] = ~(a ^ b); break;
        case OP_CLZ: x[in->rd] = a ? (uint64_t)__builtin_clzll(a) : 64; break;
        case OP_CTZ: x[in->rd] = a ? (uint64_t)__builtin_ctzll(a) : 64; break;
        case OP_CPOP: x[in->rd] = (uint64_t)__builtin_popcountll(a); break;
        case OP_CLZW:
            x[in->rd] = (uint32_t)a ? (uint64_t)__builtin_clz((uint32_t)a) : 32;
            break;
        case OP_CTZW:
            x[in->rd] = (uint32_t)a ? (uint64_t)__builtin_ctz((uint32_t)a) : 32;
            break;
        case OP_CPOPW: x[in->rd] = (uint64_t)__builtin_popcount((uint32_t)a); break;
        case OP_MAX: x[in->rd] = (int64_t)a > (int64_t)b ? a : b; break;
        case OP_MAXU: x[in->rd] = a > b ? a : b; break;
        case OP_MIN: x[in->rd] = (int64_t)a < (int64_t)b ? a : b; break;
        case OP_MINU: x[in->rd] = a < b ? a : b; break;
        case OP_SEXT_B: x[in->rd] = (uint64_t)(int64_t)(int8_t)a; break;
        case OP_SEXT_H: x[in->rd] = (uint64_t)(int64_t)(int16_t)a; break;
        case OP_ZEXT_H: x[in->rd] = (uint16_t)a; break;
        case OP_ROL: x[in->rd] = rotl64(a, (unsigned)b); break;
        case OP_ROR: x[in->rd] = rotl64(a, (unsigned)(64 - (b & 63))); break;
        case OP_RORI: x[in->rd] = rotl64(a, (unsigned)(64 - (imm & 63))); break;
        case OP_ROLW: x[in->rd] = sx32(rotl32((uint32_t)a, (unsigned)b)); break;
        case OP_RORW:
            x[in->rd] = sx32(rotl32((uint32_t)a, (unsigned)(32 - (b & 31))));
            break;
        case OP_RORIW:
            x[in->rd] = sx32(rotl32((uint32_t)a, (unsigned)(32 - (imm & 31))));
            break;
        case OP_ORC_B: x[in->rd] = orc_b(a); break;
        case OP_REV8: x[in->rd] = __builtin_bswap64(a); break;
        case OP_BCLR: x[in->rd] = a & ~(1ull << (b & 63)); break;
        case OP_BCLRI: x[in->rd] = a & ~(1ull << (imm & 63)); break;
        case OP_BEXT: x[in->rd] = (a >> (b & 63)) & 1; break;
        case OP_BEXTI: x[in->rd] = (a >> (imm & 63)) & 1; break;
        case OP_BINV: x[in->rd] = a ^ (1ull << (b & 63)); break;
        case OP_BINVI: x[in->rd] = a ^ (1ull << (imm & 63)); break;
        case OP_BSET: x[in->rd] = a | (1ull << (b & 63)); break;
        case OP_BSETI: x[in->rd] = a | (1ull << (imm & 63)); break;

        case OP_FENCE: atomic_thread_fence(memory_order_seq_cst); break;
        case OP_FENCE_I: break;   /* the decoded cache checks raw bits */
        case OP_ECALL:
            raise(h, EXC_ECALL_U + (uint64_t)h->priv, 0);
            goto exception;
        case OP_EBREAK:
            raise(h, EXC_BREAKPOINT, pc);
            goto exception;
        case OP_MRET:
            if (h->priv < PRV_M)
                goto illegal;
            do_mret(h);
            h->instret++;
            return;
        case OP_SRET:
            if (h->priv < PRV_S ||
                (h->priv == PRV_S && (h->mstatus & MSTATUS_TSR)))
                goto illegal;
            do_sret(h);
            h->instret++;
            return;
        case OP_WFI:
            if (h->priv == PRV_U ||
                (h->priv == PRV_S && (h->mstatus & MSTATUS_TW)))
                goto illegal;
            h->pc = npc;
            h->instret++;
            hart_wfi(h);
            return;
        case OP_SFENCE_VMA:
            if (h->priv == PRV_U ||
                (h->priv == PRV_S && (h->mstatus & MSTATUS_TVM)))
                goto illegal;
            if (in->rs1)
                tlb_flush_page(h, a);
            else
                tlb_flush(h);
            break;
        case OP_CSRRW: case OP_CSRRS: case OP_CSRRC:
        case OP_CSRRWI: case OP_CSRRSI: case OP_CSRRCI:
            if (!csr_exec(h, in))
                goto exception;
            h->pc = npc;
            h->instret++;
            return;     /* interrupt enables or modes may have changed */

        case OP_LR_W: case OP_SC_W: case OP_AMOSWAP_W: case OP_AMOADD_W:
        case OP_AMOXOR_W: case OP_AMOAND_W: case OP_AMOOR_W:
        case OP_AMOMIN_W: case OP_AMOMAX_W: case OP_AMOMINU_W:
        case OP_AMOMAXU_W:
        case OP_LR_D: case OP_SC_D: case OP_AMOSWAP_D: case OP_AMOADD_D:
        case OP_AMOXOR_D: case OP_AMOAND_D: case OP_AMOOR_D:
        case OP_AMOMIN_D: case OP_AMOMAX_D: case OP_AMOMINU_D:
        case OP_AMOMAXU_D:
            if (!exec_atomic(h, in))
                goto exception;
            break;

        case OP_FLW:
            if (fs_off(h)) goto illegal;
            if (!mem_load(h, a + (uint64_t)imm, 4, &v)) goto exception;
            h->f[in->rd] = v | 0xffffffff00000000ull;
            h->mstatus |= MSTATUS_FS;
            break;
        case OP_FLD:
            if (fs_off(h)) goto illegal;
            if (!mem_load(h, a + (uint64_t)imm, 8, &v)) goto exception;
            h->f[in->rd] = v;
            h->mstatus |= MSTATUS_FS;
            break;
        case OP_FSW:
            if (fs_off(h)) goto illegal;
            if (!mem_store(h, a + (uint64_t)imm, 4, h->f[in->rs2])) goto exception;
            break;
        case OP_FSD:
            if (fs_off(h)) goto illegal;
            if (!mem_store(h, a + (uint64_t)imm, 8, h->f[in->rs2])) goto exception;
            break;

        default:
            if (in->op >= OP_FIRST_FPU && in->op <= OP_LAST_FPU) {
                if (fs_off(h) || fpu_exec(h, in) < 0)
                    goto illegal;
                h->mstatus |= MSTATUS_FS;
                break;
            }
            goto illegal;
        }
        x[0] = 0;
        h->pc = npc;
        h->instret++;
        continue;
    illegal:
        raise(h, EXC_ILLEGAL, in->raw);
    exception:
        x[0] = 0;
        trap_exception(h);
        return;
    }
}
