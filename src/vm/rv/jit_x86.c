/* The translator's x86-64 emitter (jit_emit.h), its frame and control
 * flow: a block's entry and exits, the stubs every block shares, going
 * from block to block, branches and jumps; the ops themselves are in the
 * files jit_x86.h names. Blocks get the hart (HART), the data TLB slot
 * (DTLB), the fetch TLB (ITLB) and their first instruction's address
 * (PC0) as arguments: nothing in a block depends on where the page is
 * mapped. Entered from C, a block saves the callee-saved registers it
 * keeps them in; going on into another block it keeps them as they are.
 *
 * The buffer starts with the stubs every block shares: the F/D state's
 * (jit_x86_fp.c), the exit (back to the interpreter), the lookup and the
 * link. A block that leaves for a pc it cannot know at translation time
 * (JALR) probes the hart's jump cache by guest address itself and jumps
 * to the lookup on a miss; the lookup finds the pc's block through the
 * fetch TLB, then the jump cache by host address or the decoded-code
 * cache, fills the entry by guest address, and goes straight into the
 * block, or returns to the interpreter when there is none. A jump to a
 * place on its own page where no block was made yet goes to the link,
 * which does the same and then aims the jump at the block it found.
 *
 * Code is written through the buffer's writable view and runs from its
 * executable one (jit.h): every label, jump target and block entry is an
 * executable-view address (x86_here), every offset the same in both. */
#include "vm/rv/jit_x86.h"

#include <string.h>

#include "vm/rv/cpu.h"

_Static_assert(sizeof(struct tlb_entry) == 16, "TLB slot index is << 4");

/* The budget in instructions is the interpreter's in jumps << this. */
#define JUMP_INSNS_SHIFT 3
_Static_assert(1 << JUMP_INSNS_SHIFT == JIT_JUMP_INSNS, "a shift");

/* The callee-saved registers a block keeps its state in (r14: the exit
 * stub's own), pushed in this order on entry; below them the FRAME
 * (jit_x86.h), which leaves the stack 16-byte aligned for calls into C. */
static const int saved[] = {RBX, RBP, R12, R13, R14, R15};
_Static_assert((8 * 7 + FRAME) % 16 == 0, "calls need rsp 16-byte aligned");

/* The return-address stack: below the frame, as deep as this. Each guest
 * call (jit_is_call) pushes the guest pc it returns to and calls the
 * callee's code from the calling block (the host's call, 16 bytes in
 * all): the guest's return is the host's ret, which the host predicts,
 * back into the calling block, which goes on to the block where the call
 * returns if the pc returned to is the one pushed (else the lookup
 * finds the way). The stack lives as long as the stay in translated
 * code (the exit drops it): a page's mapping, the blocks and the mode
 * change only outside, so a pc that matches runs the calling block's
 * code still. */
#define RAS_BYTES (64 * 16)

/* The ops a block may start at: ones this emitter always translates. It
 * also translates, within a block, CPOP and CPOPW on hosts with POPCNT
 * and the CSR ops on the CSRs jit_x86_call.c names (a jump landing on
 * one it does not would try to translate there each time). */
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
    ON(MUL) ON(MULH) ON(MULHSU) ON(MULHU) ON(DIV) ON(DIVU) ON(REM)
    ON(REMU) ON(MULW) ON(DIVW) ON(DIVUW) ON(REMW) ON(REMUW)
    ON(SH1ADD) ON(SH2ADD) ON(SH3ADD) ON(ADD_UW) ON(SH1ADD_UW)
    ON(SH2ADD_UW) ON(SH3ADD_UW) ON(SLLI_UW)
    ON(ANDN) ON(ORN) ON(XNOR) ON(CLZ) ON(CTZ) ON(CLZW) ON(CTZW)
    ON(MAX) ON(MAXU) ON(MIN) ON(MINU) ON(SEXT_B) ON(SEXT_H) ON(ZEXT_H)
    ON(ROL) ON(ROR) ON(RORI) ON(ROLW) ON(RORW) ON(RORIW) ON(REV8) ON(ORC_B)
    ON(BCLR) ON(BCLRI) ON(BEXT) ON(BEXTI) ON(BINV) ON(BINVI) ON(BSET)
    ON(BSETI)
    ON(FENCE)
    ON(LR_W) ON(SC_W) ON(AMOSWAP_W) ON(AMOADD_W) ON(AMOXOR_W) ON(AMOAND_W)
    ON(AMOOR_W) ON(AMOMIN_W) ON(AMOMAX_W) ON(AMOMINU_W) ON(AMOMAXU_W)
    ON(LR_D) ON(SC_D) ON(AMOSWAP_D) ON(AMOADD_D) ON(AMOXOR_D) ON(AMOAND_D)
    ON(AMOOR_D) ON(AMOMIN_D) ON(AMOMAX_D) ON(AMOMINU_D) ON(AMOMAXU_D)
    ON(FLW) ON(FSW) ON(FLD) ON(FSD)
#define ON_FPU(name) ON(name)
    RV_OPS_FPU(ON_FPU)
#undef ON_FPU
#undef ON
};

/* An assembler writing at byte off of the buffer, through the writable
 * view, for code that runs from the executable one. */
static struct x86 at(struct jit *j, size_t off)
{
    return (struct x86){j->write + off,
                        (intptr_t)((uintptr_t)j->code - (uintptr_t)j->write)};
}

/* A block's entry from C (jit_block_fn): save, then take the arguments. */
static void prologue(struct x86 *a)
{
    for (size_t i = 0; i < sizeof saved / sizeof saved[0]; i++)
        x86_push(a, saved[i]);
    x86_alu_imm(a, 1, ALU_SUB, RSP, FRAME);
    x86_lea(a, HART, RDI, HART_BIAS);
    x86_store8_imm(a, HART, HOFF(jit_fp_on), 0);
    x86_store(a, 1, RSP, HART, HOFF(jit_sp));
    x86_lea(a, RAX, RSP, -RAS_BYTES);
    x86_store(a, 1, RAX, HART, HOFF(jit_sp_low));
    x86_mov(a, DTLB, RSI);
    x86_mov(a, PC0, RDX);
    x86_shift_imm(a, 1, SH_SHL, RCX, JUMP_INSNS_SHIFT);
    x86_store(a, 1, RCX, HART, HOFF(jit_budget));
    x86_mov(a, COUNT, RCX);
    x86_neg(a, 1, COUNT);
    x86_mov(a, ITLB, R8);
}

/* The exit stub, at exit, and at bail for a block that stopped before an
 * instruction the interpreter must do: return to it with pc in rax, and
 * in rdx the instructions retired (COUNT plus the budget; JIT_BAIL from
 * r14) and the budget left in jumps (what COUNT is short of 0, if any,
 * over JIT_JUMP_INSNS). */
static void exit_stub(struct x86 *a, struct jit *j)
{
    j->bail = x86_here(a);
    x86_mov_imm32(a, R14, JIT_BAIL);
    uint8_t *flagged = x86_jmp8(a);
    j->exit = x86_here(a);
    x86_alu_rr(a, 0, ALU_XOR, R14, R14);
    x86_patch8(a, flagged);
    x86_call(a, j->fp_off);
    x86_alu_rr(a, 0, ALU_XOR, RCX, RCX);
    x86_mov(a, RDX, COUNT);
    x86_neg(a, 1, RDX);
    x86_cmov(a, 1, CC_L, RDX, RCX);
    x86_shift_imm(a, 1, SH_SHR, RDX, JUMP_INSNS_SHIFT);
    x86_shift_imm(a, 1, SH_SHL, RDX, 32);
    x86_load(a, 1, RCX, HART, HOFF(jit_budget));
    x86_alu_rr(a, 1, ALU_ADD, RCX, COUNT);
    x86_alu_rr(a, 0, ALU_OR, RCX, R14);
    x86_alu_rr(a, 1, ALU_OR, RDX, RCX);
    x86_load(a, 1, RSP, HART, HOFF(jit_sp));
    x86_alu_imm(a, 1, ALU_ADD, RSP, FRAME);
    for (size_t i = sizeof saved / sizeof saved[0]; i-- > 0;)
        x86_pop(a, saved[i]);
    x86_ret(a);
}

/* COUNT += n */
static void retire(struct x86 *a, uint32_t n)
{
    if (n)
        x86_alu_imm(a, 1, ALU_ADD, COUNT, (int32_t)n);
}

/* COUNT += n, leaving the flags of the sum (with n = 0, of COUNT): the
 * budget is spent where it is not negative (CC_NS). */
static void spend(struct x86 *a, uint32_t n)
{
    if (n)
        retire(a, n);
    else
        x86_test_rr(a, 1, COUNT, COUNT);
}

/* COUNT += n, then to the exit (the pc in rax, the held registers
 * written back) once the budget is spent. */
static void spend_or_exit(struct x86 *a, const struct jit *j, uint32_t n)
{
    spend(a, n);
    x86_jcc(a, CC_NS, j->exit);
}

/* Return to the interpreter: pc in rax, n retired by this block (with
 * JIT_BAIL: it stopped before the instruction at pc). */
static void exit_rax(struct x86 *a, const struct jit *j, uint32_t n)
{
    retire(a, n & ~JIT_BAIL);
    x86_jmp(a, n & JIT_BAIL ? j->bail : j->exit);
}

/* Exit at pc_off, the held registers already written back. */
static void exit_flushed(struct x86 *a, const struct jit_unit *u,
                         int32_t pc_off, uint32_t n)
{
    x86_lea(a, RAX, PC0, pc_off);
    exit_rax(a, u->j, n);
}

void jx_exit_at(struct x86 *a, const struct jit_unit *u, int32_t pc_off,
                uint32_t n)
{
    jx_flush(a, u);
    exit_flushed(a, u, pc_off, n);
}

void jx_tlb_slot(struct x86 *a, int r)
{
    x86_mov32(a, r, RAX);
    x86_shift_imm(a, 0, SH_SHR, r, 12 - 4);
    x86_alu_imm(a, 0, ALU_AND, r, (TLB_SIZE - 1) << 4);
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

/* r = the offset in the hart's jit_vjump of the entry for the pc in rax
 * (its halfword index modulo JIT_VJUMPS, times the entry's 32 bytes) */
static void vjump_entry(struct x86 *a, int r)
{
    _Static_assert(sizeof(struct jit_vjump) == 32, "index << 4");
    x86_mov32(a, r, RAX);
    x86_alu_imm(a, 0, ALU_AND, r, (JIT_VJUMPS - 1) << 1);
    x86_shift_imm(a, 0, SH_SHL, r, 4);
}

/* The first steps of a lookup of the pc in rax: rcx = its host address
 * through the fetch TLB (a miss goes to tlb_miss), rdx = its jump cache
 * entry, compared with rcx (equal: the entry's code is the block's). */
static void jump_probe(struct x86 *a, const struct jit *j,
                       const uint8_t *tlb_miss)
{
    jx_tlb_slot(a, RDX);
    x86_mov(a, RCX, RAX);
    x86_shift_imm(a, 1, SH_SHR, RCX, 12);
    x86_alu_rm(a, 1, ALU_CMP, RCX, ITLB, RDX,
               offsetof(struct tlb_entry, vpn));
    x86_jcc(a, CC_NE, tlb_miss);
    x86_mov(a, RCX, RAX);
    x86_alu_rm(a, 1, ALU_ADD, RCX, ITLB, RDX,
               offsetof(struct tlb_entry, addend));
    jump_entry(a, j);
    x86_alu_rm(a, 1, ALU_CMP, RCX, RDX, X86_NOREG,
               offsetof(struct jit_jump, host));
}

/* The exit stub (at exit) and the lookup (at lookup): rax = the pc to go
 * on at, COUNT up to date. Blocks are entered past their
 * prologue (at skip).
 *
 * The pc's host address comes from the fetch TLB (a miss exits); the
 * jump cache, indexed by pc, says which block starts at that host
 * address. A block does not depend on the virtual address its page is
 * mapped at, and lives until the buffer is reset, so an entry needs no
 * other check and no flush but jit_reset. On a jump cache miss the stub
 * looks for the block where the interpreter keeps it (the page's
 * decoded-code slot: the same page, the same generation, OP_JIT) and
 * fills the entry. Either way, it fills the block's entry in the jump
 * cache by guest address (hart.h's jit_vjump) for the JALRs' probe. */
void jit_emit_stubs(struct jit *j)
{
    j->bmi2 = __builtin_cpu_supports("bmi2");
    struct x86 a = at(j, 0);
    prologue(&a);
    j->skip = (size_t)(a.p - j->write);
    a = at(j, 0);
    jx_fp_stubs(&a, j);
    exit_stub(&a, j);
    /* not found: the host address was pushed */
    const uint8_t *not_found = x86_here(&a);
    x86_pop(&a, RCX);
    x86_jmp(&a, j->exit);
    /* link: r9 = where a jump's rel32 is (code view), to aim at the
     * block found; r10 = where the host address it was found at goes, or
     * 0 (see link and far_link) */
    j->link = x86_here(&a);
    uint8_t *linking = x86_jmp8(&a);
    j->lookup = x86_here(&a);
    x86_alu_rr(&a, 0, ALU_XOR, R9, R9);
    x86_alu_rr(&a, 0, ALU_XOR, R10, R10);
    x86_patch8(&a, linking);
    const int32_t in0 = (int32_t)offsetof(struct icache_page, insn);
    const int32_t jc_host = (int32_t)offsetof(struct jit_jump, host);
    const int32_t jc_code = (int32_t)offsetof(struct jit_jump, code);
    _Static_assert(sizeof(struct jit_jump) == 16, "jump cache index is << 4");
    jump_probe(&a, j, j->exit);
    uint8_t *miss = x86_jcc8(&a, CC_NE);
    x86_load(&a, 1, RCX, RDX, jc_code);
    uint8_t *found = x86_jmp32(&a);
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
    x86_alu_rm(&a, 1, ALU_ADD, RDX, HART, X86_NOREG, HOFF(icache));
    x86_alu_rm(&a, 1, ALU_CMP, RCX, RDX, X86_NOREG,
               offsetof(struct icache_page, host_page));
    x86_jcc(&a, CC_NE, not_found);
    /* the pc's entry (rdx): decoded in the slot's generation, a block */
    x86_load_ext(&a, RCX, RDX, X86_NOREG, 0,
                 offsetof(struct icache_page, gen), 1, 0);
    x86_shift_imm(&a, 0, SH_SHL, R8, 3);    /* 16-byte entry a halfword */
    x86_alu_rr(&a, 1, ALU_ADD, RDX, R8);
    x86_load_ext(&a, R8, RDX, X86_NOREG, 0,
                 in0 + (int32_t)offsetof(struct insn, cache_gen),
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
    /* rcx = the block's entry: go there, budget allowing; linking, aim
     * the site's jump there first (through the writable view) */
    x86_patch32(&a, found);
    vjump_entry(&a, R11);
    x86_store_n(&a, RAX, HART, R11,
                HOFF(jit_vjump) + (int32_t)offsetof(struct jit_vjump, pc), 8);
    x86_load(&a, 1, R8, HART, HOFF(jit_vgen));
    x86_store_n(&a, R8, HART, R11,
                HOFF(jit_vjump) + (int32_t)offsetof(struct jit_vjump, gen), 8);
    x86_store_n(&a, RCX, HART, R11,
                HOFF(jit_vjump) + (int32_t)offsetof(struct jit_vjump, code),
                8);
    x86_test_rr(&a, 1, COUNT, COUNT);
    x86_jcc(&a, CC_NS, j->exit);
    x86_test_rr(&a, 1, R9, R9);
    uint8_t *go = x86_jcc8(&a, CC_E);
    x86_test_rr(&a, 1, R10, R10);
    uint8_t *near = x86_jcc8(&a, CC_E);
    x86_mov_imm64(&a, R11, (uintptr_t)j->write - (uintptr_t)j->code);
    x86_alu_rr(&a, 1, ALU_ADD, R11, R10);
    x86_load(&a, 1, R8, RDX, jc_host);  /* rdx: the jump cache entry */
    x86_store(&a, 1, R8, R11, 0);
    x86_patch8(&a, near);
    x86_mov(&a, RDX, RCX);
    x86_alu_rr(&a, 1, ALU_SUB, RDX, R9);
    x86_alu_imm(&a, 1, ALU_SUB, RDX, 4);
    x86_mov_imm64(&a, R8, (uintptr_t)j->write - (uintptr_t)j->code);
    x86_alu_rr(&a, 1, ALU_ADD, R8, R9);
    x86_store(&a, 0, RDX, R8, 0);
    x86_patch8(&a, go);
    x86_mov(&a, PC0, RAX);
    x86_jmp_reg(&a, RCX);
    j->base = j->used = ((size_t)(a.p - j->write) + 15) & ~(size_t)15;
}

struct x86 jx_cold(struct x86 *a, const struct jit_unit *u, enum x86_cc cc)
{
    struct x86 c = {u->cold, a->delta};
    x86_jcc(a, cc, x86_here(&c));
    return c;
}

void jx_cold_done(struct jit_unit *u, const struct x86 *c)
{
    u->cold = c->p;
}

void jx_need_fs(struct x86 *a, struct jit_unit *u, int32_t pc_off,
                uint32_t n)
{
    if (u->fs_checked)
        return;
    u->fs_checked = true;
    x86_test_mi(a, HART, HOFF(mstatus), (int32_t)MSTATUS_FS);
    uint8_t *on = x86_jcc8(a, CC_NE);
    jx_exit_at(a, u, pc_off, n | JIT_BAIL);
    x86_patch8(a, on);
}

void jx_fs_dirty(struct x86 *a, struct jit_unit *u)
{
    if (u->fs_dirtied)
        return;
    u->fs_dirtied = true;
    x86_alu_mi(a, 1, ALU_OR, HART, HOFF(mstatus), (int32_t)MSTATUS_FS);
}

/* Go on at the pc in rax (held registers written back, COUNT up to date
 * and the budget checked): through the jump cache by guest address (the
 * hart's jit_vjump, which the lookup fills), else the lookup. The block
 * is gone to from here, so each JALR has an indirect jump of its own,
 * which the host predicts apart from the others'. */
static void indirect(struct x86 *a, const struct jit_unit *u)
{
    const struct jit *j = u->j;
    vjump_entry(a, RDX);
    x86_alu_rm(a, 1, ALU_CMP, RAX, HART, RDX,
               HOFF(jit_vjump) + (int32_t)offsetof(struct jit_vjump, pc));
    x86_jcc(a, CC_NE, j->lookup);
    x86_load(a, 1, RCX, HART, HOFF(jit_vgen));
    x86_alu_rm(a, 1, ALU_CMP, RCX, HART, RDX,
               HOFF(jit_vjump) + (int32_t)offsetof(struct jit_vjump, gen));
    x86_jcc(a, CC_NE, j->lookup);
    x86_mov(a, PC0, RAX);
    x86_load_idx(a, RCX, HART, RDX,
                 HOFF(jit_vjump) + (int32_t)offsetof(struct jit_vjump, code));
    x86_jmp_reg(a, RCX);
}

/* Leave for the pc in rax with n more retired (a JALR). */
static void leave_indirect(struct x86 *a, const struct jit_unit *u,
                           uint32_t n)
{
    jx_flush(a, u);
    spend_or_exit(a, u->j, n);
    indirect(a, u);
}

/* A guest return to the pc in rax, n retired: the host's ret into the
 * block that called, while the return-address stack holds an entry and
 * the budget lasts; else the lookup's way. */
static void leave_return(struct x86 *a, struct jit_unit *u, uint32_t n)
{
    jx_flush(a, u);
    spend_or_exit(a, u->j, n);
    x86_alu_rm(a, 1, ALU_CMP, RSP, HART, X86_NOREG, HOFF(jit_sp));
    struct x86 c = jx_cold(a, u, CC_E);
    indirect(&c, u);
    jx_cold_done(u, &c);
    x86_ret(a);
}

/* Leave for pc_off on this page, where no block is made yet, with n
 * retired: through the link stub, which aims this site's jump at the
 * block once one is made there (it lives as long as this one, below). */
static void link(struct x86 *a, const struct jit_unit *u, int32_t pc_off,
                 uint32_t n)
{
    jx_flush(a, u);
    spend(a, n);
    uint8_t *spent = x86_jcc8(a, CC_NS);
    x86_alu_imm(a, 1, ALU_ADD, PC0, pc_off);
    uint8_t *site = x86_jmp32(a);
    x86_patch32(a, site);
    x86_mov(a, RAX, PC0);
    x86_mov_imm64(a, R9, (uintptr_t)site + (uintptr_t)a->delta);
    x86_alu_rr(a, 0, ALU_XOR, R10, R10);
    x86_jmp(a, u->j->link);
    x86_patch8(a, spent);
    exit_flushed(a, u, pc_off, 0);
}

/* Leave for pc_off on another page with n retired: straight into the
 * block last found there while the page is still mapped where it was
 * then (its host address, through the fetch TLB, the one recorded);
 * else through the link stub, which finds the block, records the host
 * address and aims the jump at it. A block lives until the buffer is
 * reset (FENCE.I resets it), and does not depend on where its page is
 * mapped. */
static void far_link(struct x86 *a, const struct jit_unit *u, int32_t pc_off,
                     uint32_t n)
{
    jx_flush(a, u);
    spend(a, n);
    uint8_t *spent = x86_jcc32(a, CC_NS);
    x86_lea(a, RAX, PC0, pc_off);
    jx_tlb_slot(a, RCX);
    x86_mov(a, RDX, RAX);
    x86_shift_imm(a, 1, SH_SHR, RDX, 12);
    x86_alu_rm(a, 1, ALU_CMP, RDX, ITLB, RCX,
               offsetof(struct tlb_entry, vpn));
    uint8_t *unmapped = x86_jcc8(a, CC_NE);
    x86_mov(a, RDX, RAX);
    x86_alu_rm(a, 1, ALU_ADD, RDX, ITLB, RCX,
               offsetof(struct tlb_entry, addend));
    x86_mov_imm64(a, RCX, 0);   /* the host address linked: none yet */
    uint8_t *host = a->p - 8;
    x86_alu_rr(a, 1, ALU_CMP, RDX, RCX);
    uint8_t *moved = x86_jcc8(a, CC_NE);
    x86_mov(a, PC0, RAX);
    uint8_t *site = x86_jmp32(a);
    x86_patch32(a, site);
    x86_patch8(a, unmapped);
    x86_patch8(a, moved);
    x86_mov_imm64(a, R9, (uintptr_t)site + (uintptr_t)a->delta);
    x86_mov_imm64(a, R10, (uintptr_t)host + (uintptr_t)a->delta);
    x86_jmp(a, u->j->link);
    x86_patch32(a, spent);
    exit_flushed(a, u, pc_off, 0);
}

/* Leave for pc_off with n retired. A block already made on this page
 * (this one included) is jumped to directly, budget allowing: it lives
 * as long as this one (they go with the page's icache slot). This one is
 * entered past its loads, its registers still held and nothing written
 * back: where it loops, every register it writes anywhere counts as
 * written (loop_dirty), so its exits write them all. Another is entered
 * past its loads too, once this one's written registers are written
 * back and its own that are not in place are loaded (jx_enter).
 * Anywhere else, the lookup finds the way. A jump forward into a block
 * made on the page is the one way on that does not check the budget. */
static void go_to(struct x86 *a, const struct jit_unit *u, int32_t pc_off,
                  uint32_t n)
{
    const uint8_t *next = jit_block_at(u, pc_off);
    int64_t t = (int64_t)u->off + pc_off;
    if (!next && (t < 0 || t >= 0x1000)) {
        far_link(a, u, pc_off, n);
        return;
    }
    if (!next) {
        link(a, u, pc_off, n);
        return;
    }
    /* Every loop on a page has a jump back in it (the code between only
     * goes forward) or leaves the page: the budget is spent there. */
    if (next == u->body) {      /* round this block's own loop */
        spend(a, n);
        x86_jcc(a, CC_S, u->loop);
        jx_flush(a, u);
        exit_flushed(a, u, pc_off, 0);
        return;
    }
    jx_flush(a, u);
    bool back = pc_off <= u->at[u->cur];
    uint8_t *spent = NULL;
    if (back) {
        spend(a, n);
        spent = x86_jcc8(a, CC_NS);
    } else {
        retire(a, n);
    }
    x86_alu_imm(a, 1, ALU_ADD, PC0, pc_off);
    jx_enter(a, u, next);
    if (!back)
        return;
    x86_patch8(a, spent);
    exit_flushed(a, u, pc_off, 0);
}

/* A guest call at d (instruction n, the block's last), the pc it
 * returns to in ret, the callee's in rax for a JALR: the callee's way
 * (go_to or, for a JALR, the lookup's) is out of line, and called, the
 * return-address stack allowing (RAS_BYTES), else jumped to.
 * Where the callee returns to ret, the block goes on to the block there
 * as a jump forward would, with no register of its own in place. */
static void call(struct x86 *a, struct jit_unit *u, const struct insn *in,
                 int ret, int32_t d, uint32_t n)
{
    jx_flush(a, u);
    u->dirty = 0;
    x86_alu_rm(a, 1, ALU_CMP, RSP, HART, X86_NOREG, HOFF(jit_sp_low));
    struct x86 c = jx_cold(a, u, CC_BE);
    const uint8_t *callee = x86_here(&c);
    if (in->op == OP_JAL) {
        go_to(&c, u, d + in->imm, n + 1);
    } else {
        spend_or_exit(&c, u->j, n + 1);
        indirect(&c, u);
    }
    jx_cold_done(u, &c);
    x86_push(a, ret);
    x86_call(a, callee);
    /* returned: the pc in rax, COUNT counting the return */
    x86_pop(a, RCX);
    x86_alu_rr(a, 1, ALU_CMP, RAX, RCX);
    x86_jcc(a, CC_NE, u->j->lookup);
    x86_lea(a, PC0, RAX, -(d + in->len));
    memset(u->host, -1, sizeof u->host);    /* the callee's, now */
    go_to(a, u, d + in->len, 0);
}

/* The condition cc of a compare of its operands the other way round. */
static enum x86_cc swapped(enum x86_cc cc)
{
    switch (cc) {
    case CC_B: return CC_A;
    case CC_A: return CC_B;
    case CC_AE: return CC_BE;
    case CC_BE: return CC_AE;
    case CC_L: return CC_G;
    case CC_G: return CC_L;
    case CC_GE: return CC_LE;
    case CC_LE: return CC_GE;
    default: return cc;     /* E, NE */
    }
}

/* Compare x[rs1] with x[rs2] for a branch, in one instruction unless
 * neither is held nor x0: the flags of x[rs1] - x[rs2], or where rs1 is
 * x0 those of x[rs2] - 0. Returns the condition that says cc of x[rs1]
 * against x[rs2] on them: cc, or cc swapped. */
static enum x86_cc compare(struct x86 *a, const struct jit_unit *u,
                           const struct insn *in, enum x86_cc cc)
{
    int r1 = in->rs1 ? u->host[in->rs1] : -1;
    int r2 = in->rs2 ? u->host[in->rs2] : -1;
    if (!in->rs1) {
        if (r2 >= 0)
            x86_alu_imm(a, 1, ALU_CMP, r2, 0);
        else
            x86_alu_mi(a, 1, ALU_CMP, HART, XOFF(in->rs2), 0);
        return swapped(cc);
    }
    if (r1 >= 0 && !in->rs2)
        x86_alu_imm(a, 1, ALU_CMP, r1, 0);
    else if (r1 >= 0)
        jx_alu(a, u, 1, ALU_CMP, r1, in->rs2);
    else if (!in->rs2)
        x86_alu_mi(a, 1, ALU_CMP, HART, XOFF(in->rs1), 0);
    else if (r2 >= 0)
        x86_alu_mr(a, 1, ALU_CMP, HART, XOFF(in->rs1), r2);
    else {
        jx_ld(a, u, RAX, in->rs1);
        jx_alu(a, u, 1, ALU_CMP, RAX, in->rs2);
    }
    return cc;
}

/* Conditional branch: skip names the condition under which it is NOT
 * taken (the other is skip ^ 1). Taken, it leaves the block; not taken,
 * the block goes on. A branch forward is taken seldom (an if), one back
 * often (a loop): the way out of the block is written out of line for
 * the first, in line for the second, so the common case falls through. */
static enum jit_emitted branch(struct x86 *a, struct jit_unit *u,
                               const struct insn *in, enum x86_cc skip,
                               int32_t d, uint32_t n)
{
    skip = compare(a, u, in, skip);
    enum x86_cc taken = (enum x86_cc)(skip ^ 1);
    if (in->imm > 0) {
        uint32_t k = n + 1;
        while (k < u->n && u->at[k] < d + in->imm)
            k++;
        if (k < u->n && u->at[k] == d + in->imm) {
            /* into the block itself: the instructions jumped over are
             * not retired, which the exits there count */
            if (k > n + 1) {
                x86_lea(a, RCX, COUNT, (int32_t)(n + 1) - (int32_t)k);
                x86_cmov(a, 1, taken, COUNT, RCX);
            }
            u->jump_rel[u->jumps] = x86_jcc32(a, taken);
            u->jump_to[u->jumps++] = (uint8_t)k;
            u->join_dirty[k] |= u->dirty;
            u->join_sext[k] &= u->sext;
            u->join_fs_checked[k] = u->join_fs_checked[k] && u->fs_checked;
            u->join_fs_dirtied[k] = u->join_fs_dirtied[k] && u->fs_dirtied;
            return JIT_E_NEXT;
        }
        struct x86 c = jx_cold(a, u, taken);
        go_to(&c, u, d + in->imm, n + 1);
        jx_cold_done(u, &c);
        return JIT_E_NEXT;
    }
    uint8_t *not_taken = x86_jcc32(a, skip);
    go_to(a, u, d + in->imm, n + 1);
    x86_patch32(a, not_taken);
    return JIT_E_NEXT;
}

bool jx_jumped_to(const struct jit_unit *u, uint32_t k)
{
    for (uint32_t i = 0; i < u->jumps; i++)
        if (u->jump_to[i] == k)
            return true;
    return false;
}

/* AUIPC and an ADDI of its result into the same register (la), as the
 * block's instruction n and the next: the sum of both offsets, when no
 * branch in the block jumps to the ADDI. */
static int32_t fuse_auipc_addi(struct jit_unit *u, const struct insn *in,
                               uint32_t n)
{
    if (n + 1 >= u->n || in->rd >= 32 || jx_jumped_to(u, n + 1))
        return 0;
    const struct insn *add = &u->run[n + 1];
    if (add->op != OP_ADDI || add->rd != in->rd || add->rs1 != in->rd)
        return 0;
    u->fused_next = true;
    return add->imm;
}

static enum jit_emitted emit(struct x86 *a, struct jit_unit *u,
                             const struct insn *in, int32_t d, uint32_t n)
{
    switch (in->op) {
    case OP_AUIPC: {
        int32_t more = fuse_auipc_addi(u, in, n);
        int64_t off = (int64_t)d + in->imm + more;
        int r = jx_dst(u, in->rd);
        if (off == (int32_t)off) {
            x86_lea(a, r, PC0, (int32_t)off);
        } else {
            x86_lea(a, r, PC0, d + more);
            x86_alu_imm(a, 1, ALU_ADD, r, in->imm);
        }
        return jx_done(a, u, in, r, 1);
    }
    case OP_JAL:
        x86_lea(a, RAX, PC0, d + in->len);
        jx_st(a, u, RAX, in->rd);
        if (n + 1 < u->n && u->at[n + 1] == d + in->imm)
            return JIT_E_NEXT;      /* the block goes on at the target */
        if (jit_is_call(in))
            call(a, u, in, RAX, d, n);
        else
            go_to(a, u, d + in->imm, n + 1);
        return JIT_E_END;
    case OP_JALR:
        jx_addr(a, u, RAX, in->rs1, in->imm);
        x86_alu_imm(a, 1, ALU_AND, RAX, -2);
        if (in->rd && in->rd < 32) {    /* a link (a call's in rcx) */
            x86_lea(a, RCX, PC0, d + in->len);
            jx_st(a, u, RCX, in->rd);
        }
        if (jit_is_call(in))
            call(a, u, in, RCX, d, n);
        else if (jit_is_return(in))
            leave_return(a, u, n + 1);
        else
            leave_indirect(a, u, n + 1);
        return JIT_E_END;
    case OP_BEQ: return branch(a, u, in, CC_NE, d, n);
    case OP_BNE: return branch(a, u, in, CC_E, d, n);
    case OP_BLT: return branch(a, u, in, CC_GE, d, n);
    case OP_BGE: return branch(a, u, in, CC_L, d, n);
    case OP_BLTU: return branch(a, u, in, CC_AE, d, n);
    case OP_BGEU: return branch(a, u, in, CC_B, d, n);
    case OP_FENCE:
        x86_mfence(a);
        return JIT_E_NEXT;
    default:
        break;
    }
    enum jit_emitted e = jx_int(a, u, in);
    if (e == JIT_E_NONE)
        e = jx_mem(a, u, in, d, n);
    if (e == JIT_E_NONE)
        e = jx_fp(a, u, in, d, n);
    if (e == JIT_E_NONE)
        e = jx_call(a, u, in, d, n);
    return e;
}

/* The assembler at u's next byte. */
static struct x86 unit_at(const struct jit_unit *u)
{
    return at(u->j, (size_t)(u->p - u->j->write));
}

bool jit_emit_takes(const struct insn *in)
{
    switch (in->op) {
    case OP_CPOP: case OP_CPOPW:
        return __builtin_cpu_supports("popcnt");
    case OP_CSRRW: case OP_CSRRS: case OP_CSRRC:
    case OP_CSRRWI: case OP_CSRRSI: case OP_CSRRCI:
        return jx_csr_takes(in);
    default:
        return jit_starts[in->op];
    }
}

void jit_emit_begin(struct jit_unit *u, const struct insn *run,
                    const int32_t *at, uint32_t n)
{
    u->n = n;
    u->run = run;
    u->fused_next = false;
    u->paired_store = 0;
    u->deferred.rd = 0;
    u->jumps = 0;
    for (uint32_t i = 0; i < n; i++) {
        u->at[i] = at[i];
        u->join_dirty[i] = 0;
        u->join_sext[i] = ~0u;
        u->join_fs_checked[i] = u->join_fs_dirtied[i] = true;
    }
    struct x86 a = unit_at(u);
    prologue(&a);
    u->body = x86_here(&a);
    jx_choose(u);
    jx_reload(&a, u);
    u->loop = x86_here(&a);
    u->dirty = u->loop_dirty;
    u->sext = 1;
    jx_notes(u);
    u->p = a.p;
}

enum jit_emitted jit_emit_insn(struct jit_unit *u, const struct insn *in,
                               int32_t d, uint32_t n)
{
    struct x86 a = unit_at(u);
    /* the jumps here from branches before join the path falling in */
    for (uint32_t k = 0; k < u->jumps; k++)
        if (u->jump_to[k] == n)
            x86_patch32(&a, u->jump_rel[k]);
    u->dirty |= u->join_dirty[n];
    u->sext &= u->join_sext[n];
    u->fs_checked = u->fs_checked && u->join_fs_checked[n];
    u->fs_dirtied = u->fs_dirtied && u->join_fs_dirtied[n];
    u->cur = n;
    enum jit_emitted e = JIT_E_NEXT;
    if (u->fused_next)      /* made with the one before */
        u->fused_next = false;
    else
        e = emit(&a, u, in, d, n);
    if (in->rd && in->rd < 32) {
        uint32_t bit = 1u << in->rd;
        u->sext = jit_leaves_sext(in, u->sext) ? u->sext | bit : u->sext & ~bit;
    }
    u->p = a.p;
    return e;
}

void jit_emit_end(struct jit_unit *u, int32_t d, uint32_t n)
{
    struct x86 a = unit_at(u);
    go_to(&a, u, d, n);
    u->p = a.p;
}
