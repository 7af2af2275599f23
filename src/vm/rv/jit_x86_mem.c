/* The x86-64 emitter's memory ops (jit_x86.h): integer and F/D loads and
 * stores, each through its own copy of a data-TLB entry checked inline
 * and the data TLB out of line, and the AMOs, through an inline lookup
 * of the data TLB. A miss, an access that crosses a page, MMIO or a
 * misaligned AMO leaves the block before the instruction: the
 * interpreter does it, raising whatever exception it must. */
#include "vm/rv/jit_x86.h"

#include "vm/rv/cpu.h"

/* rax = a guest virtual address: rcx = the offset in DTLB of its entry
 * in the data TLB of kind (returned: add it to a field's offset); or
 * leave before instruction n (at pc_off) when the TLB misses or the
 * access of size bytes crosses a page. */
static int32_t tlb_find(struct x86 *a, struct jit_unit *u, int kind,
                        unsigned size, int32_t pc_off, uint32_t n)
{
    int32_t set = (int32_t)(kind * TLB_SIZE * sizeof(struct tlb_entry));
    jx_tlb_slot(a, RCX);
    x86_lea(a, RDX, RAX, (int32_t)size - 1);
    x86_shift_imm(a, 1, SH_SHR, RDX, 12);
    x86_alu_rm(a, 1, ALU_CMP, RDX, DTLB, RCX,
               set + (int32_t)offsetof(struct tlb_entry, vpn));
    uint8_t *hit = x86_jcc8(a, CC_E);
    jx_exit_at(a, u, pc_off, n | JIT_BAIL);
    x86_patch8(a, hit);
    return set;
}

/* r (a guest virtual address) = the tag a site's entry has for its page
 * (hart.h), or, for an access of size bytes not naturally aligned, one
 * no entry has (its low bits kept) */
static void site_tag(struct x86 *a, int r, unsigned size)
{
    x86_alu_imm(a, 1, ALU_AND, r, ~0xfff | (int32_t)(size - 1));
}

/* Before site i, whose tag is at tag, is filled: list it in
 * jit_site_filled if it is empty, unless the list is full (hart.h).
 * rcx and rdx are clobbered. */
static void list_fill(struct x86 *a, int32_t tag, unsigned i)
{
    x86_load(a, 1, RDX, HART, tag);
    x86_alu_imm(a, 1, ALU_CMP, RDX, JIT_SITE_NONE);
    uint8_t *listed = x86_jcc8(a, CC_NE);
    x86_load(a, 0, RCX, HART, HOFF(jit_site_nfilled));
    x86_alu_imm(a, 0, ALU_CMP, RCX, JIT_SITE_FILLS * (int32_t)sizeof(uint32_t));
    uint8_t *full = x86_jcc8(a, CC_AE);
    x86_mov_sx(a, RDX, (int32_t)i);
    x86_store_n(a, RDX, HART, RCX, HOFF(jit_site_filled), 4);
    x86_alu_imm(a, 0, ALU_ADD, RCX, 4);
    x86_store_n(a, RCX, HART, X86_NOREG, HOFF(jit_site_nfilled), 4);
    x86_patch8(a, listed);
    x86_patch8(a, full);
}

/* Where an access is, past its page's addend in rax:
 * [rax + (index << scale) + imm], index X86_NOREG for none. */
struct past_addend {
    int index;
    unsigned scale;
};

/* The host address of x[rs1], so that the access of size bytes through
 * kind is at [rax + what is returned + imm]: rax is the page's addend
 * and the index x[rs1]'s register where the block holds it, else rax
 * is both added up and there is no index. Where an SHnADD into rs1 was
 * left to this load (u->deferred), rax is the addend plus its base and
 * the index its shifted register, so that its sum is never made. Each
 * such access is a site with its own copy of the data-TLB entry it last
 * used (hart.h): its addend does not depend on the address, so its load
 * does not lengthen the address's chain to memory, as the data TLB's
 * (indexed by the address) does. The copy counts when its tag is the
 * page's. The block's own path is the copy's hit, which an access not
 * naturally aligned never is (it may cross a page, which the tag cannot
 * see); out of line, that or a miss takes the data TLB, fills the copy
 * and comes back. */
static struct past_addend address(struct x86 *a, struct jit_unit *u,
                                  const struct insn *in, int kind,
                                  unsigned size, int32_t d, uint32_t n,
                                  int32_t *addend_at)
{
    unsigned i = (unsigned)kind * JIT_SITES +
                 u->j->next_site[kind]++ % JIT_SITES;
    int32_t site = HOFF(jit_site) + (int32_t)(sizeof(struct tlb_entry) * i);
    int32_t tag = site + (int32_t)offsetof(struct tlb_entry, vpn);
    int32_t addend = site + (int32_t)offsetof(struct tlb_entry, addend);
    if (addend_at)
        *addend_at = addend;
    int base, index = X86_NOREG;
    unsigned scale = 0;
    if (u->deferred.rd) {
        base = u->deferred.base;
        index = u->deferred.index;
        scale = u->deferred.scale;
    } else {
        base = in->rs1 && u->host[in->rs1] >= 0 ? u->host[in->rs1] : RAX;
        if (base == RAX)
            jx_ld(a, u, RAX, in->rs1);
    }
    x86_lea_scaled(a, RDX, base, index, scale, in->imm);
    site_tag(a, RDX, size);
    x86_alu_rm(a, 1, ALU_CMP, RDX, HART, X86_NOREG, tag);
    struct x86 c = jx_cold(a, u, CC_NE);
    const uint8_t *back = x86_here(a);
    if (base == RAX) {
        x86_alu_rm(a, 1, ALU_ADD, RAX, HART, X86_NOREG, addend);
    } else {
        x86_load(a, 1, RAX, HART, addend);
        if (index != X86_NOREG)
            x86_alu_rr(a, 1, ALU_ADD, RAX, base);
    }
    /* out of line: fill the copy from the data TLB (or leave) */
    x86_lea_scaled(&c, RAX, base, index, scale, in->imm);
    int32_t set = tlb_find(&c, u, kind, size, d, n);
    x86_load_idx(&c, RDX, DTLB, RCX,
                 set + (int32_t)offsetof(struct tlb_entry, addend));
    x86_store(&c, 1, RDX, HART, addend);
    list_fill(&c, tag, i);
    x86_mov(&c, RDX, RAX);
    site_tag(&c, RDX, 1);
    x86_store(&c, 1, RDX, HART, tag);
    if (base == RAX)
        x86_lea(&c, RAX, RAX, -in->imm);
    x86_jmp(&c, back);
    jx_cold_done(u, &c);
    if (base == RAX)
        return (struct past_addend){X86_NOREG, 0};
    if (index == X86_NOREG)
        return (struct past_addend){base, 0};
    return (struct past_addend){index, scale};
}

/* The bytes an integer store writes; 0 for any other op. */
static unsigned store_size(unsigned op)
{
    switch (op) {
    case OP_SB: return 1;
    case OP_SH: return 2;
    case OP_SW: return 4;
    case OP_SD: return 8;
    default: return 0;
    }
}

/* For a load at n of size bytes: the store that follows it in the block
 * to the same address, of size bytes or fewer, when every instruction
 * between is an ALU op made inline or a load or store (no branch, no
 * call into C, which may drop the TLB), no branch from before the load
 * lands between, and x[rs1] changes only by ADDIs to itself; 0 when
 * there is none. The load then takes a store's (TLB_W) site, so the
 * store can take the page as checked: a page that can be written can be
 * read, and the store is within the bytes the load read. Where the data
 * TLB has no store entry for the page yet, the load leaves the block,
 * and the store, which always follows it, makes one (or faults). */
static uint32_t store_to_same(const struct jit_unit *u, const struct insn *in,
                              uint32_t n, unsigned size)
{
    if (!in->rs1 || in->rd == in->rs1)
        return 0;
    int64_t moved = 0;
    for (uint32_t k = n + 1; k < u->n && k <= n + 16; k++) {
        const struct insn *x = &u->run[k];
        if (jx_jumped_to(u, k))
            return 0;
        unsigned s = store_size(x->op);
        if (s && s <= size && x->rs1 == in->rs1 && x->imm + moved == in->imm)
            return k;
        if (x->op == OP_ADDI && x->rd == in->rs1 && x->rs1 == in->rs1) {
            moved += x->imm;
            continue;
        }
        bool goes_on = jx_inline_op(x) || s ||
                       (x->op >= OP_LB && x->op <= OP_LWU);
        if (!goes_on || x->rd == in->rs1)
            return 0;
    }
    return 0;
}

static enum jit_emitted load(struct x86 *a, struct jit_unit *u,
                             const struct insn *in, unsigned size, int sign,
                             int32_t d, uint32_t n)
{
    uint32_t pair = store_to_same(u, in, n, size);
    int32_t addend;
    struct past_addend x = address(a, u, in, pair ? TLB_W : TLB_R, size,
                                   d, n, &addend);
    u->deferred.rd = 0;
    if (pair) {
        u->paired_store = pair;
        u->paired_addend = addend;
    }
    int r = jx_dst(u, in->rd);
    x86_load_ext(a, r, RAX, x.index, x.scale, in->imm, size, sign);
    return jx_done(a, u, in, r, 1);
}

static enum jit_emitted store(struct x86 *a, struct jit_unit *u,
                              const struct insn *in, unsigned size,
                              int32_t d, uint32_t n)
{
    int x;
    if (n && u->paired_store == n) {    /* its page checked by a load */
        x = in->rs1 && u->host[in->rs1] >= 0 ? u->host[in->rs1] : X86_NOREG;
        if (x == X86_NOREG) {
            jx_ld(a, u, RAX, in->rs1);
            x86_alu_rm(a, 1, ALU_ADD, RAX, HART, X86_NOREG, u->paired_addend);
        } else {
            x86_load(a, 1, RAX, HART, u->paired_addend);
        }
    } else {
        x = address(a, u, in, TLB_W, size, d, n, NULL).index;
    }
    /* from rs2's own register, but a byte of rsi or rdi (which would
     * need a REX prefix the encoder leaves out) */
    int r = in->rs2 ? u->host[in->rs2] : -1;
    if (r < 0 || (size == 1 && r < R8)) {
        r = RCX;
        jx_ld(a, u, RCX, in->rs2);
    }
    x86_store_n(a, r, RAX, x, in->imm, size);
    return JIT_E_NEXT;
}

/* FLW and FLD: a single is NaN-boxed (its upper 32 bits all ones). */
static enum jit_emitted fload(struct x86 *a, struct jit_unit *u,
                              const struct insn *in, unsigned size,
                              int32_t d, uint32_t n)
{
    jx_need_fs(a, u, d, n);
    int x = address(a, u, in, TLB_R, size, d, n, NULL).index;
    x86_load_ext(a, RAX, RAX, x, 0, in->imm, size, 0);
    if (size == 4)
        jx_box(a);
    x86_store(a, 1, RAX, HART, FOFF(in->rd));
    jx_fs_dirty(a, u);
    return JIT_E_NEXT;
}

static enum jit_emitted fstore(struct x86 *a, struct jit_unit *u,
                               const struct insn *in, unsigned size,
                               int32_t d, uint32_t n)
{
    jx_need_fs(a, u, d, n);
    int x = address(a, u, in, TLB_W, size, d, n, NULL).index;
    x86_load(a, 1, RCX, HART, FOFF(in->rs2));
    x86_store_n(a, RCX, RAX, x, in->imm, size);
    return JIT_E_NEXT;
}

/* The condition under which an AMO's new value is rs2 rather than the
 * old value, for MIN/MAX(U); 0 for the others. */
static enum x86_cc minmax(unsigned op)
{
    switch (op) {
    case OP_AMOMIN_W: case OP_AMOMIN_D: return CC_G;
    case OP_AMOMAX_W: case OP_AMOMAX_D: return CC_L;
    case OP_AMOMINU_W: case OP_AMOMINU_D: return CC_A;
    case OP_AMOMAXU_W: case OP_AMOMAXU_D: return CC_B;
    default: return 0;
    }
}

/* An AMO of size bytes: swap and add are one locked instruction, the
 * others a compare-and-swap loop. rd gets the old value (a word's,
 * sign-extended). */
static enum jit_emitted amo(struct x86 *a, struct jit_unit *u,
                            const struct insn *in, int32_t d, uint32_t n)
{
    unsigned size = in->op >= OP_LR_D ? 8 : 4;
    int w = size == 8;
    jx_ld(a, u, RAX, in->rs1);
    x86_test_imm(a, RAX, (int32_t)size - 1);
    uint8_t *aligned = x86_jcc8(a, CC_E);
    jx_exit_at(a, u, d, n | JIT_BAIL);
    x86_patch8(a, aligned);
    int32_t set = tlb_find(a, u, TLB_W, size, d, n);
    x86_alu_rm(a, 1, ALU_ADD, RAX, DTLB, RCX,
               set + (int32_t)offsetof(struct tlb_entry, addend));
    switch (in->op) {
    case OP_AMOSWAP_W: case OP_AMOSWAP_D:
    case OP_AMOADD_W: case OP_AMOADD_D:
        jx_ld(a, u, RCX, in->rs2);
        x86_atomic(a, w, in->op == OP_AMOSWAP_W || in->op == OP_AMOSWAP_D
                             ? AT_XCHG : AT_XADD, RCX, RAX);
        x86_mov(a, RAX, RCX);
        return jx_result(a, u, in, w);
    default:
        break;
    }
    enum x86_cc pick = minmax(in->op);
    x86_mov(a, RDX, RAX);
    x86_load(a, w, RAX, RDX, 0);
    const uint8_t *again = x86_here(a);
    x86_mov(a, RCX, RAX);
    if (pick) {
        jx_alu(a, u, w, ALU_CMP, RCX, in->rs2);
        jx_cmov(a, u, w, pick, RCX, in->rs2);
    } else {
        enum x86_alu op = in->op == OP_AMOXOR_W || in->op == OP_AMOXOR_D
                              ? ALU_XOR
                          : in->op == OP_AMOAND_W || in->op == OP_AMOAND_D
                              ? ALU_AND : ALU_OR;
        jx_alu(a, u, w, op, RCX, in->rs2);
    }
    x86_atomic(a, w, AT_CMPXCHG, RCX, RDX);
    x86_jcc(a, CC_NE, again);
    return jx_result(a, u, in, w);
}

enum jit_emitted jx_mem(struct x86 *a, struct jit_unit *u,
                        const struct insn *in, int32_t d, uint32_t n)
{
    switch (in->op) {
    case OP_LB: return load(a, u, in, 1, 1, d, n);
    case OP_LH: return load(a, u, in, 2, 1, d, n);
    case OP_LW: return load(a, u, in, 4, 1, d, n);
    case OP_LD: return load(a, u, in, 8, 0, d, n);
    case OP_LBU: return load(a, u, in, 1, 0, d, n);
    case OP_LHU: return load(a, u, in, 2, 0, d, n);
    case OP_LWU: return load(a, u, in, 4, 0, d, n);
    case OP_SB: return store(a, u, in, 1, d, n);
    case OP_SH: return store(a, u, in, 2, d, n);
    case OP_SW: return store(a, u, in, 4, d, n);
    case OP_SD: return store(a, u, in, 8, d, n);
    case OP_FLW: return fload(a, u, in, 4, d, n);
    case OP_FLD: return fload(a, u, in, 8, d, n);
    case OP_FSW: return fstore(a, u, in, 4, d, n);
    case OP_FSD: return fstore(a, u, in, 8, d, n);
    case OP_AMOSWAP_W: case OP_AMOADD_W: case OP_AMOXOR_W: case OP_AMOAND_W:
    case OP_AMOOR_W: case OP_AMOMIN_W: case OP_AMOMAX_W: case OP_AMOMINU_W:
    case OP_AMOMAXU_W:
    case OP_AMOSWAP_D: case OP_AMOADD_D: case OP_AMOXOR_D: case OP_AMOAND_D:
    case OP_AMOOR_D: case OP_AMOMIN_D: case OP_AMOMAX_D: case OP_AMOMINU_D:
    case OP_AMOMAXU_D:
        return amo(a, u, in, d, n);
    default:
        return JIT_E_NONE;
    }
}
