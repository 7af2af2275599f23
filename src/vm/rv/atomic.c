/* The A extension's LR, SC and AMOs on guest memory (rv_atomic, cpu.h),
 * for the interpreter and for translated blocks that call it. */
#include <stdbool.h>
#include <stdint.h>

#include "vm/rv/cpu.h"

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

bool rv_atomic(struct hart *h, const struct insn *in)
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

