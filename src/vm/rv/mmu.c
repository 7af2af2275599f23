/* Virtual memory: Sv39/Sv48 page-table walks (A/D bits updated by the
 * hardware walker), the software TLB, and the slow paths of loads, stores,
 * atomics and instruction fetch (page crossing, MMIO, faults). */
#include "vm/rv/cpu.h"

#include "vm/bus.h"
#include "vm/rv/jit.h"

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PPN_MASK ((1ull << 44) - 1)

static const uint64_t page_fault_cause[TLB_KINDS] = {
    EXC_LOAD_PAGE, EXC_STORE_PAGE, EXC_INSN_PAGE};
static const uint64_t access_fault_cause[TLB_KINDS] = {
    EXC_LOAD_ACCESS, EXC_STORE_ACCESS, EXC_INSN_ACCESS};

void tlb_sites_drop(struct hart *h)
{
    uint32_t n = h->jit_site_nfilled / sizeof h->jit_site_filled[0];
    if (n < JIT_SITE_FILLS) {
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = h->jit_site_filled[k];
            h->jit_site[i / JIT_SITES][i % JIT_SITES].vpn = JIT_SITE_NONE;
        }
    } else {    /* more were filled than listed */
        for (int kind = 0; kind <= TLB_W; kind++)
            for (int i = 0; i < JIT_SITES; i++)
                h->jit_site[kind][i].vpn = JIT_SITE_NONE;
    }
    h->jit_site_nfilled = 0;
    h->jit_vgen++;
}

void tlb_flush(struct hart *h)
{
    memset(h->tlb, 0xff, sizeof h->tlb);
    h->fetch_vpn = UINT64_MAX;
    tlb_sites_drop(h);
}

void tlb_forget_writes(struct hart *h)
{
    for (int s = 0; s < 4; s++)
        memset(h->tlb[s][TLB_W], 0xff, sizeof h->tlb[s][TLB_W]);
    tlb_sites_drop(h);
}

void tlb_flush_page(struct hart *h, uint64_t va)
{
    uint64_t vpn = va >> 12;
    for (int s = 0; s < 4; s++)
        for (int k = 0; k < TLB_KINDS; k++) {
            struct tlb_entry *t = &h->tlb[s][k][vpn & (TLB_SIZE - 1)];
            if (t->vpn == vpn)
                t->vpn = UINT64_MAX;
        }
    h->fetch_vpn = UINT64_MAX;
    tlb_sites_drop(h);
}

static bool leaf_allows(const struct hart *h, uint64_t pte, int kind, int priv)
{
    if (priv == PRV_U && !(pte & PTE_U))
        return false;
    if (priv == PRV_S && (pte & PTE_U) &&
        (kind == TLB_X || !(h->mstatus & MSTATUS_SUM)))
        return false;
    switch (kind) {
    case TLB_R:
        return (pte & PTE_R) || ((h->mstatus & MSTATUS_MXR) && (pte & PTE_X));
    case TLB_W:
        return pte & PTE_W;
    default:
        return pte & PTE_X;
    }
}

bool mmu_translate(struct hart *h, uint64_t va, int kind, int priv,
                   uint64_t *pa)
{
    unsigned mode = (unsigned)(h->satp >> 60);
    if (priv == PRV_M || mode == 0) {
        *pa = va;
        return true;
    }
    int levels = mode == 8 ? 3 : 4;
    unsigned vabits = 12 + 9 * (unsigned)levels;
    if ((uint64_t)((int64_t)(va << (64 - vabits)) >> (64 - vabits)) != va)
        return rv_raise(h, page_fault_cause[kind], va);

    struct bus *bus = h->env.bus;
restart:;
    uint64_t table = (h->satp & PPN_MASK) << 12;
    for (int i = levels - 1; i >= 0; i--) {
        unsigned shift = 12 + 9 * (unsigned)i;
        uint64_t pte_pa = table + ((va >> shift) & 0x1ff) * 8;
        _Atomic uint64_t *pp = bus_ram_ptr(bus, pte_pa, 8);
        if (!pp)
            return rv_raise(h, access_fault_cause[kind], va);
        uint64_t pte = atomic_load_explicit(pp, memory_order_acquire);
        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) ||
            (pte >> 54))
            return rv_raise(h, page_fault_cause[kind], va);
        uint64_t ppn = (pte >> 10) & PPN_MASK;
        if (!(pte & (PTE_R | PTE_X))) {
            table = ppn << 12;
            continue;
        }
        if (!leaf_allows(h, pte, kind, priv))
            return rv_raise(h, page_fault_cause[kind], va);
        if (i > 0 && (ppn & ((1ull << (9 * i)) - 1)))
            return rv_raise(h, page_fault_cause[kind], va);
        uint64_t need = PTE_A | (kind == TLB_W ? PTE_D : 0);
        if ((pte & need) != need) {
            if (!atomic_compare_exchange_strong(pp, &pte, pte | need))
                goto restart;
            bus_mark_dirty(bus, (const void *)pp, 8);
        }
        *pa = (ppn << 12) | (va & ((1ull << shift) - 1));
        return true;
    }
    return rv_raise(h, page_fault_cause[kind], va);
}

/* Translate and, for RAM, cache the page in the TLB slot. Returns the host
 * pointer for RAM, NULL with *pa set for MMIO, or false via *ok. */
static void *translate_fill(struct hart *h, uint64_t va, int kind, int priv,
                            int slot, uint64_t *pa, bool *ok)
{
    *ok = mmu_translate(h, va, kind, priv, pa);
    if (!*ok)
        return 0;
    uint8_t *page = bus_ram_ptr(h->env.bus, *pa & ~0xfffull, 0x1000);
    if (!page)
        return 0;
    /* A page mapped for writing is dirty from now on: the entry lets the
     * hart write it without coming back here until tlb_forget_writes. */
    if (kind == TLB_W)
        bus_mark_dirty(h->env.bus, page, 0x1000);
    struct tlb_entry *t = &h->tlb[slot][kind][(va >> 12) & (TLB_SIZE - 1)];
    t->vpn = va >> 12;
    t->addend = (uintptr_t)page - (va & ~0xfffull);
    return page + (va & 0xfff);
}

static bool split_load(struct hart *h, uint64_t va, unsigned size,
                       uint64_t *v)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t b;
        if (!mem_load(h, va + i, 1, &b))
            return false;
        r |= b << (8 * i);
    }
    *v = r;
    return true;
}

bool mem_load_slow(struct hart *h, uint64_t va, unsigned size, uint64_t *v)
{
    if ((va & 0xfff) + size > 0x1000)
        return split_load(h, va, size, v);
    uint64_t pa;
    bool ok;
    uint8_t *p = translate_fill(h, va, TLB_R, h->data_priv, h->data_slot,
                                &pa, &ok);
    if (!ok)
        return false;
    if (p) {
        uint64_t x = 0;
        memcpy(&x, p, size);
        *v = x;
        return true;
    }
    if (va & (size - 1))
        return rv_raise(h, EXC_LOAD_MISALIGNED, va);
    if (!bus_mmio_read(h->env.bus, pa, size, v))
        return rv_raise(h, EXC_LOAD_ACCESS, va);
    return true;
}

bool mem_store_slow(struct hart *h, uint64_t va, unsigned size, uint64_t v)
{
    if ((va & 0xfff) + size > 0x1000) {
        /* Check both pages before writing anything, so a fault on the
         * second page leaves memory untouched. */
        uint64_t pa;
        uint64_t last = va + size - 1;
        if (!mmu_translate(h, va, TLB_W, h->data_priv, &pa) ||
            !mmu_translate(h, last, TLB_W, h->data_priv, &pa))
            return false;
        for (unsigned i = 0; i < size; i++)
            if (!mem_store(h, va + i, 1, v >> (8 * i)))
                return false;
        return true;
    }
    uint64_t pa;
    bool ok;
    uint8_t *p = translate_fill(h, va, TLB_W, h->data_priv, h->data_slot,
                                &pa, &ok);
    if (!ok)
        return false;
    if (p) {
        memcpy(p, &v, size);
        return true;
    }
    if (va & (size - 1))
        return rv_raise(h, EXC_STORE_MISALIGNED, va);
    if (!bus_mmio_write(h->env.bus, pa, size, v))
        return rv_raise(h, EXC_STORE_ACCESS, va);
    return true;
}

void *mem_atomic_ptr(struct hart *h, uint64_t va, unsigned size, bool lr)
{
    if (va & (size - 1)) {
        rv_raise(h, lr ? EXC_LOAD_MISALIGNED : EXC_STORE_MISALIGNED, va);
        return 0;
    }
    int kind = lr ? TLB_R : TLB_W;
    void *p = tlb_hit(h, va, kind, size);
    if (p)
        return p;
    uint64_t pa;
    bool ok;
    p = translate_fill(h, va, kind, h->data_priv, h->data_slot, &pa, &ok);
    if (ok && !p)
        rv_raise(h, lr ? EXC_LOAD_ACCESS : EXC_STORE_ACCESS, va);
    return p;
}

bool fetch_page(struct hart *h)
{
    if (fetch_tlb_hit(h, h->pc))
        return true;
    uint64_t pa;
    bool ok;
    uint8_t *page = translate_fill(h, h->pc & ~0xfffull, TLB_X, h->priv,
                                   h->priv, &pa, &ok);
    if (!ok) {
        h->exc_tval = h->pc;
        return false;
    }
    if (!page)
        return rv_raise(h, EXC_INSN_ACCESS, h->pc);
    return fetch_tlb_hit(h, h->pc);
}

void icache_flush(struct hart *h)
{
    if (h->jit)
        jit_reset(h->jit);
    h->jit_vgen++;
    for (unsigned w = 0; w < ICACHE_PAGES / 64; w++) {
        for (uint64_t bits = h->icache_claimed[w]; bits; bits &= bits - 1)
            h->icache[64 * w + (unsigned)__builtin_ctzll(bits)].host_page = 0;
        h->icache_claimed[w] = 0;
    }
    h->fetch_vpn = UINT64_MAX;
}
