/* The translator's x86-64 emitter (jit_emit.h). Generated code keeps
 * nothing in host registers across instructions: the guest registers stay
 * in the hart (HART, the first argument), so a block can stop anywhere and
 * the interpreter go on. Blocks get the data TLB slot (DTLB), the fetch TLB
 * (ITLB) and their first instruction's address (PC0) as arguments too:
 * nothing in a block depends on where the page is mapped. Only
 * caller-saved host registers are used, so a block needs no prologue
 * beyond a few moves.
 *
 * The buffer starts with a stub shared by every block: the lookup. A
 * block that leaves for a pc it cannot know at translation time (JALR,
 * another page, a block not made yet) jumps there; it finds the pc's
 * block through the fetch TLB, then a jump cache or the decoded-code
 * cache, and goes straight into it, or returns to the interpreter when
 * there is none.
 *
 * Code is written through the buffer's writable view and runs from its
 * executable one (jit.h): every label, jump target and block entry is an
 * executable-view address (x86_here), every offset the same in both. */
#include <stddef.h>

#include "vm/rv/cpu.h"
#include "vm/rv/jit_emit.h"
#include "vm/rv/x86.h"

_Static_assert(sizeof(struct tlb_entry) == 16, "TLB slot index is << 4");

#define HART RDI
#define DTLB RSI
#define PC0 R8
#define RETIRED R9      /* by the blocks before this one, chained */
#define LEFT R10        /* budget: chained jumps to go */
#define ITLB R11        /* the fetch TLB: h->tlb[h->priv][TLB_X] */
#define XOFF(r) ((int32_t)(offsetof(struct hart, x) + 8 * (size_t)(r)))

/* The ops this emitter translates. */
const uint8_t jit_starts[OP_DISPATCH] = {
#define ON(name) [OP_##name] = 1,
    ON(LUI) ON(AUIPC) ON(JAL) ON(JALR)
    ON(BEQ) ON(BNE) ON(BLT) ON(BGE) ON(BLTU) ON(BGEU)
    ON(LB) ON(LH) ON(LW) ON(LD) ON(LBU) ON(LHU) ON(LWU)
    ON(SB) ON(SH) ON(SW) ON(SD)
    ON(ADDI) ON(SLTI) ON(SLTIU) ON(XORI) ON(ORI) ON(ANDI)
    ON(SLLI) ON(SRLI) ON(SRAI)
    ON(ADD) ON(SUB) ON(SLL) ON(SLT) ON(SLTU) ON(XOR) ON(SRL) ON(SRA)
    ON(OR) ON(AND)
    ON(ADDIW) ON(SLLIW) ON(SRLIW) ON(SRAIW)
    ON(ADDW) ON(SUBW) ON(SLLW) ON(SRLW) ON(SRAW)
    ON(MUL) ON(MULW) ON(SH1ADD) ON(SH2ADD) ON(SH3ADD) ON(ANDN) ON(ORN)
    ON(FENCE)
    ON(AMOSWAP_W) ON(AMOADD_W) ON(AMOXOR_W) ON(AMOAND_W) ON(AMOOR_W)
    ON(AMOSWAP_D) ON(AMOADD_D) ON(AMOXOR_D) ON(AMOAND_D) ON(AMOOR_D)
#undef ON
};

/* An assembler writing at byte off of the buffer, through the writable
 * view, for code that runs from the executable one. */
static struct x86 at(struct jit *j, size_t off)
{
    return (struct x86){j->write + off,
                        (intptr_t)((uintptr_t)j->code - (uintptr_t)j->write)};
}

/* The moves every block starts with, from the C calling convention. */
static void prologue(struct x86 *a)
{
    x86_mov(a, ITLB, R8);
    x86_mov(a, PC0, RDX);
    x86_alu_rr(a, 0, ALU_XOR, RETIRED, RETIRED);
    x86_mov(a, LEFT, RCX);
}

/* Return to the interpreter: pc in rax, n retired by this block. */
static void exit_rax(struct x86 *a, uint32_t n)
{
    x86_mov(a, RDX, LEFT);
    x86_shift_imm(a, 1, SH_SHL, RDX, 32);
    x86_lea32(a, RCX, RETIRED, n);
    x86_alu_rr(a, 1, ALU_OR, RDX, RCX);
    x86_ret(a);
}

/* rdx = the jump cache entry for the pc in rax (r8 is clobbered). */
static void jump_entry(struct x86 *a, const struct jit *j)
{
    x86_mov(a, RDX, RAX);
    x86_shift_imm(a, 1, SH_SHR, RDX, 1);
    x86_alu_imm(a, 0, ALU_AND, RDX, JIT_JUMPS - 1);
    x86_shift_imm(a, 0, SH_SHL, RDX, 4);
    x86_mov_imm64(a, R8, (uintptr_t)j->jumps);
    x86_alu_rr(a, 1, ALU_ADD, RDX, R8);
}

/* The lookup stub (at lookup) and its exits to the interpreter (at 0):
 * rax = the pc to go on at, RETIRED and LEFT up to date. Blocks are
 * entered past their prologue (at skip).
 *
 * The pc's host address comes from the fetch TLB (a miss exits); the
 * jump cache, indexed by pc, says which block starts at that host
 * address. A block does not depend on the virtual address its page is
 * mapped at, and lives until the buffer is reset, so an entry needs no
 * other check and no flush but jit_reset. On a jump cache miss the stub
 * looks for the block where the interpreter keeps it (the page's
 * decoded-code slot: the same page, the same generation, OP_JIT) and
 * fills the entry. */
void jit_emit_stubs(struct jit *j)
{
    struct x86 a = at(j, 0);
    prologue(&a);
    j->skip = (size_t)(a.p - j->write);
    a = at(j, 0);
    /* not found: the host address was pushed */
    const uint8_t *not_found = x86_here(&a);
    x86_pop(&a, RCX);
    const uint8_t *out = x86_here(&a);
    exit_rax(&a, 0);
    j->lookup = x86_here(&a);
    const int32_t in0 = (int32_t)offsetof(struct icache_page, insn);
    const int32_t jc_host = (int32_t)offsetof(struct jit_jump, host);
    const int32_t jc_code = (int32_t)offsetof(struct jit_jump, code);
    _Static_assert(sizeof(struct jit_jump) == 16, "jump cache index is << 4");
    /* the fetch TLB: rcx = the host address of the pc */
    x86_mov(&a, RCX, RAX);
    x86_shift_imm(&a, 1, SH_SHR, RCX, 12);
    x86_mov(&a, RDX, RCX);
    x86_alu_imm(&a, 0, ALU_AND, RDX, TLB_SIZE - 1);
    x86_shift_imm(&a, 0, SH_SHL, RDX, 4);
    x86_alu_rm(&a, 1, ALU_CMP, RCX, ITLB, RDX,
               offsetof(struct tlb_entry, vpn));
    x86_jcc(&a, CC_NE, out);
    x86_mov(&a, RCX, RAX);
    x86_alu_rm(&a, 1, ALU_ADD, RCX, ITLB, RDX,
               offsetof(struct tlb_entry, addend));
    /* the jump cache entry (rdx) */
    jump_entry(&a, j);
    x86_alu_rm(&a, 1, ALU_CMP, RCX, RDX, X86_NOREG, jc_host);
    uint8_t *miss = x86_jcc8(&a, CC_NE);
    x86_alu_imm(&a, 0, ALU_SUB, LEFT, 1);
    x86_jcc(&a, CC_E, out);
    x86_load(&a, 1, RCX, RDX, jc_code);
    x86_mov(&a, PC0, RAX);
    x86_jmp_reg(&a, RCX);
    x86_patch8(&a, miss);
    /* the page's decoded-code slot (rdx), if it still holds the page */
    x86_push(&a, RCX);
    x86_mov(&a, R8, RAX);
    x86_alu_imm(&a, 0, ALU_AND, R8, 0xfff);
    x86_alu_rr(&a, 1, ALU_SUB, RCX, R8);    /* the page's host address */
    x86_mov(&a, RDX, RCX);
    x86_shift_imm(&a, 1, SH_SHR, RDX, 12);
    x86_alu_imm(&a, 0, ALU_AND, RDX, ICACHE_PAGES - 1);
    x86_imul_imm(&a, RDX, RDX, (int32_t)sizeof(struct icache_page));
    x86_alu_rm(&a, 1, ALU_ADD, RDX, HART, X86_NOREG,
               offsetof(struct hart, icache));
    x86_alu_rm(&a, 1, ALU_CMP, RCX, RDX, X86_NOREG,
               offsetof(struct icache_page, host_page));
    x86_jcc(&a, CC_NE, not_found);
    /* the pc's entry (rdx): decoded in the slot's generation, a block */
    x86_load_ext(&a, RCX, RDX, offsetof(struct icache_page, gen), 1, 0);
    x86_shift_imm(&a, 0, SH_SHL, R8, 3);    /* 16-byte entry a halfword */
    x86_alu_rr(&a, 1, ALU_ADD, RDX, R8);
    x86_load_ext(&a, R8, RDX, in0 + (int32_t)offsetof(struct insn, cache_gen),
                 1, 0);
    x86_alu_rr(&a, 0, ALU_CMP, R8, RCX);
    x86_jcc(&a, CC_NE, not_found);
    x86_cmp8_imm(&a, RDX, in0 + (int32_t)offsetof(struct insn, op), OP_JIT);
    x86_jcc(&a, CC_NE, not_found);
    /* rcx = the block's entry; fill the jump cache entry */
    x86_load_sx32(&a, RCX, RDX, in0 + (int32_t)offsetof(struct insn, imm));
    x86_mov_imm64(&a, RDX, (uintptr_t)(j->code + j->skip));
    x86_alu_rr(&a, 1, ALU_ADD, RCX, RDX);
    jump_entry(&a, j);
    x86_pop(&a, R8);
    x86_store(&a, 1, R8, RDX, jc_host);
    x86_store(&a, 1, RCX, RDX, jc_code);
    x86_alu_imm(&a, 0, ALU_SUB, LEFT, 1);
    x86_jcc(&a, CC_E, out);
    x86_mov(&a, PC0, RAX);
    x86_jmp_reg(&a, RCX);
    j->base = j->used = ((size_t)(a.p - j->write) + 15) & ~(size_t)15;
}

static void ld(struct x86 *a, int reg, unsigned xr)
{
    x86_load(a, 1, reg, HART, XOFF(xr));
}

static void st(struct x86 *a, int reg, unsigned xr)
{
    x86_store(a, 1, reg, HART, XOFF(xr));
}

/* Return with pc = the block's first instruction + pc_off. */
static void exit_at(struct x86 *a, int32_t pc_off, uint32_t n)
{
    x86_lea(a, RAX, PC0, pc_off);
    exit_rax(a, n);
}

/* Go on at the pc in rax with n more retired: through the lookup. */
static void leave(struct x86 *a, const struct jit_unit *u, uint32_t n)
{
    x86_alu_imm(a, 1, ALU_ADD, RETIRED, (int32_t)n);
    x86_jmp(a, u->j->lookup);
}

/* Leave for pc_off with n retired. A block already made on this page
 * (this one included) is jumped to directly, budget allowing: it lives
 * as long as this one (they go with the page's icache slot). Anywhere
 * else, the lookup finds the way. */
static void go_to(struct x86 *a, const struct jit_unit *u, int32_t pc_off,
                  uint32_t n)
{
    const uint8_t *next = jit_block_at(u, pc_off);
    if (!next) {
        x86_lea(a, RAX, PC0, pc_off);
        leave(a, u, n);
        return;
    }
    x86_alu_imm(a, 0, ALU_SUB, LEFT, 1);
    uint8_t *spent = x86_jcc8(a, CC_E);
    x86_alu_imm(a, 1, ALU_ADD, RETIRED, (int32_t)n);
    x86_alu_imm(a, 1, ALU_ADD, PC0, pc_off);
    x86_jmp(a, next);
    x86_patch8(a, spent);
    exit_at(a, pc_off, n);
}

/* rax = a guest virtual address; make it the host address of size bytes
 * there through the TLB of kind, or bail before instruction n (at pc_off)
 * when the TLB misses or the access crosses a page. */
static void tlb(struct x86 *a, int kind, unsigned size, int32_t pc_off,
                uint32_t n)
{
    int32_t set = (int32_t)(kind * TLB_SIZE * sizeof(struct tlb_entry));
    x86_mov(a, RCX, RAX);
    x86_shift_imm(a, 1, SH_SHR, RCX, 12);
    x86_alu_imm(a, 0, ALU_AND, RCX, TLB_SIZE - 1);
    x86_shift_imm(a, 0, SH_SHL, RCX, 4);
    x86_lea(a, RDX, RAX, (int32_t)size - 1);
    x86_shift_imm(a, 1, SH_SHR, RDX, 12);
    x86_alu_rm(a, 1, ALU_CMP, RDX, DTLB, RCX,
               set + (int32_t)offsetof(struct tlb_entry, vpn));
    uint8_t *hit = x86_jcc8(a, CC_E);
    exit_at(a, pc_off, n | JIT_BAIL);
    x86_patch8(a, hit);
    x86_alu_rm(a, 1, ALU_ADD, RAX, DTLB, RCX,
               set + (int32_t)offsetof(struct tlb_entry, addend));
}

/* rax = x[rs1] + imm */
static void address(struct x86 *a, const struct insn *in)
{
    ld(a, RAX, in->rs1);
    if (in->imm)
        x86_alu_imm(a, 1, ALU_ADD, RAX, in->imm);
}

static enum jit_emitted load(struct x86 *a, const struct insn *in,
                         unsigned size, int sign, int32_t d, uint32_t n)
{
    address(a, in);
    tlb(a, TLB_R, size, d, n);
    x86_load_ext(a, RAX, RAX, 0, size, sign);
    st(a, RAX, in->rd);
    return JIT_E_NEXT;
}

static enum jit_emitted store(struct x86 *a, const struct insn *in,
                          unsigned size, int32_t d, uint32_t n)
{
    address(a, in);
    tlb(a, TLB_W, size, d, n);
    ld(a, RCX, in->rs2);
    x86_store_n(a, RCX, RAX, size);
    return JIT_E_NEXT;
}

/* Conditional branch: skip names the condition under which it is NOT
 * taken. Taken, it leaves the block; not taken, the block goes on. */
static enum jit_emitted branch(struct x86 *a, const struct jit_unit *u,
                           const struct insn *in, enum x86_cc skip,
                           int32_t d, uint32_t n)
{
    ld(a, RAX, in->rs1);
    x86_alu_rm(a, 1, ALU_CMP, RAX, HART, X86_NOREG, XOFF(in->rs2));
    uint8_t *not_taken = x86_jcc8(a, skip);
    go_to(a, u, d + in->imm, n + 1);
    x86_patch8(a, not_taken);
    return JIT_E_NEXT;
}

/* rax is rd's value (for a W op, its low 32 bits, sign-extended here). */
static enum jit_emitted result(struct x86 *a, const struct insn *in, int w)
{
    if (!w)
        x86_sext32(a, RAX, RAX);
    st(a, RAX, in->rd);
    return JIT_E_NEXT;
}

/* An AMO of size bytes: swap and add are one locked instruction, the
 * logic ops a compare-and-swap loop. rd gets the old value (a word's,
 * sign-extended). A misaligned address bails: the interpreter raises the
 * exception. Blocks keep no reservation, so LR/SC stay interpreted. */
static enum jit_emitted amo(struct x86 *a, const struct insn *in, unsigned size,
                        int logic, int32_t d, uint32_t n)
{
    int w = size == 8;
    ld(a, RAX, in->rs1);
    x86_test_imm(a, RAX, (int32_t)size - 1);
    uint8_t *aligned = x86_jcc8(a, CC_E);
    exit_at(a, d, n | JIT_BAIL);
    x86_patch8(a, aligned);
    tlb(a, TLB_W, size, d, n);
    if (logic < 0) {
        ld(a, RCX, in->rs2);
        x86_atomic(a, w, in->op == OP_AMOSWAP_W || in->op == OP_AMOSWAP_D
                             ? AT_XCHG : AT_XADD, RCX, RAX);
        x86_mov(a, RAX, RCX);
    } else {
        x86_mov(a, RDX, RAX);
        x86_load(a, w, RAX, RDX, 0);
        const uint8_t *again = x86_here(a);
        x86_mov(a, RCX, RAX);
        x86_alu_rm(a, w, (enum x86_alu)logic, RCX, HART, X86_NOREG,
                   XOFF(in->rs2));
        x86_atomic(a, w, AT_CMPXCHG, RCX, RDX);
        x86_jcc(a, CC_NE, again);
    }
    return result(a, in, w);
}

static enum jit_emitted alu_imm(struct x86 *a, const struct insn *in, int w,
                            enum x86_alu op)
{
    ld(a, RAX, in->rs1);
    x86_alu_imm(a, w, op, RAX, in->imm);
    return result(a, in, w);
}

static enum jit_emitted alu_reg(struct x86 *a, const struct insn *in, int w,
                            enum x86_alu op)
{
    ld(a, RAX, in->rs1);
    x86_alu_rm(a, w, op, RAX, HART, X86_NOREG, XOFF(in->rs2));
    return result(a, in, w);
}

static enum jit_emitted set_if(struct x86 *a, const struct insn *in, bool imm,
                           enum x86_cc cc)
{
    ld(a, RAX, in->rs1);
    if (imm)
        x86_alu_imm(a, 1, ALU_CMP, RAX, in->imm);
    else
        x86_alu_rm(a, 1, ALU_CMP, RAX, HART, X86_NOREG, XOFF(in->rs2));
    x86_setcc(a, cc, RAX);
    st(a, RAX, in->rd);
    return JIT_E_NEXT;
}

static enum jit_emitted shift_imm(struct x86 *a, const struct insn *in, int w,
                              enum x86_shift op)
{
    ld(a, RAX, in->rs1);
    x86_shift_imm(a, w, op, RAX, (uint8_t)(in->imm & (w ? 63 : 31)));
    return result(a, in, w);
}

/* x86 masks a shift count by CL as RISC-V does (to 63, or 31 for W). */
static enum jit_emitted shift_reg(struct x86 *a, const struct insn *in, int w,
                              enum x86_shift op)
{
    ld(a, RCX, in->rs2);
    ld(a, RAX, in->rs1);
    x86_shift_cl(a, w, op, RAX);
    return result(a, in, w);
}

static enum jit_emitted mul(struct x86 *a, const struct insn *in, int w)
{
    ld(a, RAX, in->rs1);
    x86_imul_rm(a, w, RAX, HART, XOFF(in->rs2));
    return result(a, in, w);
}

static enum jit_emitted shadd(struct x86 *a, const struct insn *in, uint8_t sh)
{
    ld(a, RAX, in->rs1);
    x86_shift_imm(a, 1, SH_SHL, RAX, sh);
    x86_alu_rm(a, 1, ALU_ADD, RAX, HART, X86_NOREG, XOFF(in->rs2));
    st(a, RAX, in->rd);
    return JIT_E_NEXT;
}

/* rd = rs1 op ~rs2 */
static enum jit_emitted alu_not(struct x86 *a, const struct insn *in,
                            enum x86_alu op)
{
    ld(a, RCX, in->rs2);
    x86_not(a, RCX);
    ld(a, RAX, in->rs1);
    x86_alu_rr(a, 1, op, RAX, RCX);
    st(a, RAX, in->rd);
    return JIT_E_NEXT;
}

static enum jit_emitted emit(struct x86 *a, const struct jit_unit *u,
                         const struct insn *in, int32_t d, uint32_t n)
{
    switch (in->op) {
    case OP_LUI:
        x86_store_imm(a, HART, XOFF(in->rd), in->imm);
        return JIT_E_NEXT;
    case OP_AUIPC:
        x86_lea(a, RAX, PC0, d);
        x86_alu_imm(a, 1, ALU_ADD, RAX, in->imm);
        st(a, RAX, in->rd);
        return JIT_E_NEXT;
    case OP_JAL:
        x86_lea(a, RAX, PC0, d + in->len);
        st(a, RAX, in->rd);
        go_to(a, u, d + in->imm, n + 1);
        return JIT_E_END;
    case OP_JALR:
        address(a, in);
        x86_alu_imm(a, 1, ALU_AND, RAX, -2);
        x86_lea(a, RCX, PC0, d + in->len);
        st(a, RCX, in->rd);
        leave(a, u, n + 1);
        return JIT_E_END;
    case OP_BEQ: return branch(a, u, in, CC_NE, d, n);
    case OP_BNE: return branch(a, u, in, CC_E, d, n);
    case OP_BLT: return branch(a, u, in, CC_GE, d, n);
    case OP_BGE: return branch(a, u, in, CC_L, d, n);
    case OP_BLTU: return branch(a, u, in, CC_AE, d, n);
    case OP_BGEU: return branch(a, u, in, CC_B, d, n);
    case OP_LB: return load(a, in, 1, 1, d, n);
    case OP_LH: return load(a, in, 2, 1, d, n);
    case OP_LW: return load(a, in, 4, 1, d, n);
    case OP_LD: return load(a, in, 8, 0, d, n);
    case OP_LBU: return load(a, in, 1, 0, d, n);
    case OP_LHU: return load(a, in, 2, 0, d, n);
    case OP_LWU: return load(a, in, 4, 0, d, n);
    case OP_SB: return store(a, in, 1, d, n);
    case OP_SH: return store(a, in, 2, d, n);
    case OP_SW: return store(a, in, 4, d, n);
    case OP_SD: return store(a, in, 8, d, n);
    case OP_ADDI: return alu_imm(a, in, 1, ALU_ADD);
    case OP_XORI: return alu_imm(a, in, 1, ALU_XOR);
    case OP_ORI: return alu_imm(a, in, 1, ALU_OR);
    case OP_ANDI: return alu_imm(a, in, 1, ALU_AND);
    case OP_ADDIW: return alu_imm(a, in, 0, ALU_ADD);
    case OP_SLTI: return set_if(a, in, true, CC_L);
    case OP_SLTIU: return set_if(a, in, true, CC_B);
    case OP_SLT: return set_if(a, in, false, CC_L);
    case OP_SLTU: return set_if(a, in, false, CC_B);
    case OP_SLLI: return shift_imm(a, in, 1, SH_SHL);
    case OP_SRLI: return shift_imm(a, in, 1, SH_SHR);
    case OP_SRAI: return shift_imm(a, in, 1, SH_SAR);
    case OP_SLLIW: return shift_imm(a, in, 0, SH_SHL);
    case OP_SRLIW: return shift_imm(a, in, 0, SH_SHR);
    case OP_SRAIW: return shift_imm(a, in, 0, SH_SAR);
    case OP_ADD: return alu_reg(a, in, 1, ALU_ADD);
    case OP_SUB: return alu_reg(a, in, 1, ALU_SUB);
    case OP_XOR: return alu_reg(a, in, 1, ALU_XOR);
    case OP_OR: return alu_reg(a, in, 1, ALU_OR);
    case OP_AND: return alu_reg(a, in, 1, ALU_AND);
    case OP_ADDW: return alu_reg(a, in, 0, ALU_ADD);
    case OP_SUBW: return alu_reg(a, in, 0, ALU_SUB);
    case OP_SLL: return shift_reg(a, in, 1, SH_SHL);
    case OP_SRL: return shift_reg(a, in, 1, SH_SHR);
    case OP_SRA: return shift_reg(a, in, 1, SH_SAR);
    case OP_SLLW: return shift_reg(a, in, 0, SH_SHL);
    case OP_SRLW: return shift_reg(a, in, 0, SH_SHR);
    case OP_SRAW: return shift_reg(a, in, 0, SH_SAR);
    case OP_MUL: return mul(a, in, 1);
    case OP_MULW: return mul(a, in, 0);
    case OP_SH1ADD: return shadd(a, in, 1);
    case OP_SH2ADD: return shadd(a, in, 2);
    case OP_SH3ADD: return shadd(a, in, 3);
    case OP_ANDN: return alu_not(a, in, ALU_AND);
    case OP_ORN: return alu_not(a, in, ALU_OR);
    case OP_FENCE:
        x86_mfence(a);
        return JIT_E_NEXT;
    case OP_AMOSWAP_W: case OP_AMOADD_W: return amo(a, in, 4, -1, d, n);
    case OP_AMOSWAP_D: case OP_AMOADD_D: return amo(a, in, 8, -1, d, n);
    case OP_AMOXOR_W: return amo(a, in, 4, ALU_XOR, d, n);
    case OP_AMOAND_W: return amo(a, in, 4, ALU_AND, d, n);
    case OP_AMOOR_W: return amo(a, in, 4, ALU_OR, d, n);
    case OP_AMOXOR_D: return amo(a, in, 8, ALU_XOR, d, n);
    case OP_AMOAND_D: return amo(a, in, 8, ALU_AND, d, n);
    case OP_AMOOR_D: return amo(a, in, 8, ALU_OR, d, n);
    default:
        return JIT_E_NONE;
    }
}


/* The assembler at u's next byte. */
static struct x86 unit_at(const struct jit_unit *u)
{
    return at(u->j, (size_t)(u->p - u->j->write));
}

void jit_emit_begin(struct jit_unit *u)
{
    struct x86 a = unit_at(u);
    prologue(&a);
    u->body = x86_here(&a);
    u->p = a.p;
}

enum jit_emitted jit_emit_insn(struct jit_unit *u, const struct insn *in,
                               int32_t d, uint32_t n)
{
    struct x86 a = unit_at(u);
    enum jit_emitted e = emit(&a, u, in, d, n);
    u->p = a.p;
    return e;
}

void jit_emit_end(struct jit_unit *u, int32_t d, uint32_t n)
{
    struct x86 a = unit_at(u);
    go_to(&a, u, d, n);
    u->p = a.p;
}
