/* The x86-64 emitter's held registers (jit_x86.h): which guest registers
 * a block holds in host registers (the pool), and moving values between
 * them, the hart and the scratch registers, keeping track of which held
 * ones the block has written since they were last written back. */
#include "vm/rv/jit_x86.h"

#include <stdbool.h>
#include <string.h>

#include "vm/rv/cpu.h"

/* The host registers a block may hold guest registers in. */
static const int pool[] = {RSI, RDI, R8, R9, R10, R11};
#define POOL (sizeof pool / sizeof pool[0])

/* A block's notes (JIT_BLOCK_NOTES bytes before its code): the guest
 * register each pool register holds (0: none), and where, past its
 * loads, a block that has its registers in place may enter it. */
struct notes {
    uint8_t held[POOL];
    uint8_t unused[2];
    uint32_t loop;          /* from its body */
};
_Static_assert(sizeof(struct notes) <= JIT_BLOCK_NOTES, "notes fit");

/* The notes of the block whose body (code view) is at body. */
static const struct notes *notes_of(const struct jit *j, const uint8_t *body)
{
    return (const struct notes *)(body - j->skip - JIT_BLOCK_NOTES);
}

/* A use within the block's loop (from its start to its last jump back
 * there) counts this many times one after it. */
#define LOOP_WEIGHT 8

/* Which guest registers the block holds: the ones its integer ops name
 * most, twice at least (held once, a register costs what it saves), up to
 * the pool's size; a use in the block's loop counts as LOOP_WEIGHT. F/D
 * ops are left out: most of their operands are f registers, which stay
 * in the hart. */
void jx_choose(struct jit_unit *u)
{
    const struct insn *run = u->run;
    uint32_t n = u->n;
    unsigned uses[33] = {0};
    uint32_t written = 0;
    uint32_t loop_end = 0;      /* past the last jump back to the start */
    for (uint32_t i = 0; i < n; i++) {
        const struct insn *in = &run[i];
        if ((in->op == OP_JAL || (in->op >= OP_BEQ && in->op <= OP_BGEU)) &&
            u->at[i] + in->imm == 0)
            loop_end = i + 1;
    }
    bool loops = loop_end > 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct insn *in = &run[i];
        written |= 1u << (in->rd & 31);     /* an f register's at worst */
        if ((in->op >= OP_FIRST_FPU && in->op <= OP_LAST_FPU) ||
            (in->op >= OP_FLW && in->op <= OP_FSD))
            continue;
        unsigned w = i < loop_end ? LOOP_WEIGHT : 1;
        uses[in->rs1 & 31] += w;
        uses[in->rs2 & 31] += w;
        uses[in->rd] += w;
    }
    uses[0] = uses[RV_RD_SINK] = 0;
    for (unsigned r = 0; r < 32; r++)
        u->host[r] = -1;
    u->held = u->dirty = 0;
    /* A guest register goes to the same pool register in every block
     * where it can (its number modulo the pool, or the next one free),
     * so that a block jumping to another often has the other's
     * registers in place already (jx_enter). */
    bool taken[POOL] = {false};
    for (size_t k = 0; k < POOL; k++) {
        unsigned best = 0;
        for (unsigned r = 1; r < 32; r++)
            if (uses[r] > uses[best])
                best = r;
        if (uses[best] < 2)
            break;
        size_t slot = best % POOL;
        while (taken[slot])
            slot = (slot + 1) % POOL;
        taken[slot] = true;
        u->host[best] = (int8_t)pool[slot];
        u->held |= 1u << best;
        uses[best] = 0;
    }
    u->loop_dirty = loops ? u->held & written : 0;
}

void jx_addr(struct x86 *a, const struct jit_unit *u, int reg, unsigned xr,
             int32_t imm)
{
    if (xr && xr < 32 && u->host[xr] >= 0) {
        x86_lea(a, reg, u->host[xr], imm);
        return;
    }
    jx_ld(a, u, reg, xr);
    if (imm)
        x86_alu_imm(a, 1, ALU_ADD, reg, imm);
}

void jx_ld(struct x86 *a, const struct jit_unit *u, int reg, unsigned xr)
{
    if (xr == 0)
        x86_alu_rr(a, 0, ALU_XOR, reg, reg);
    else if (xr < 32 && u->host[xr] >= 0) {
        if (reg != u->host[xr])
            x86_mov(a, reg, u->host[xr]);
    }
    else
        x86_load(a, 1, reg, HART, XOFF(xr));
}

void jx_st(struct x86 *a, struct jit_unit *u, int reg, unsigned xr)
{
    if (xr == 0 || xr == RV_RD_SINK)
        return;     /* what goes to x0 is never read */
    if (u->host[xr] >= 0) {
        x86_mov(a, u->host[xr], reg);
        u->dirty |= 1u << xr;
    } else {
        x86_store(a, 1, reg, HART, XOFF(xr));
    }
}

void jx_alu(struct x86 *a, const struct jit_unit *u, int w, enum x86_alu op,
            int dst, unsigned xr)
{
    if (xr < 32 && u->host[xr] >= 0)
        x86_alu_rr(a, w, op, dst, u->host[xr]);
    else
        x86_alu_rm(a, w, op, dst, HART, X86_NOREG, XOFF(xr));
}

void jx_cmov(struct x86 *a, const struct jit_unit *u, int w, enum x86_cc cc,
             int dst, unsigned xr)
{
    if (xr < 32 && u->host[xr] >= 0)
        x86_cmov(a, w, cc, dst, u->host[xr]);
    else
        x86_cmov_m(a, w, cc, dst, HART, XOFF(xr));
}

int jx_dst(const struct jit_unit *u, unsigned rd)
{
    return rd && rd < 32 && u->host[rd] >= 0 ? u->host[rd] : RAX;
}

int jx_inline_op(const struct insn *in)
{
    switch (in->op) {
    case OP_ADDIW:      /* a SEXT.W may be made a move */
        return in->imm ? 1 : 2;
    case OP_ANDI:
        return in->imm >= 0 ? 1 : 2;
    case OP_SLLI:
        return (in->imm & 63) >= 32 ? 1 : 2;
    case OP_SLLIW: case OP_SRLIW: case OP_SRAIW:
    case OP_ADDW: case OP_SUBW: case OP_SLLW: case OP_SRLW: case OP_SRAW:
    case OP_MULW: case OP_SEXT_B: case OP_SEXT_H: case OP_ZEXT_H:
        return 1;
    case OP_LUI: case OP_AUIPC: case OP_ADDI: case OP_SLTI: case OP_SLTIU:
    case OP_XORI: case OP_ORI: case OP_SRLI:
    case OP_SRAI: case OP_ADD: case OP_SUB: case OP_SLL: case OP_SLT:
    case OP_SLTU: case OP_XOR: case OP_SRL: case OP_SRA: case OP_OR:
    case OP_AND: case OP_MUL:
        return 2;
    default:
        return 0;
    }
}

/* Whether the sign extension that ends the instruction being made, of
 * x[rd], would be dead: the few instructions after it, up to one that
 * writes rd, never leave the block and read at most the low 32 bits of
 * rd (W ops), so nothing sees its upper half before it is written. An
 * op's fields it does not use count as read. */
static bool sext_dead(const struct jit_unit *u, unsigned rd)
{
    for (uint32_t k = u->cur + 1; k < u->n && k <= u->cur + 8; k++) {
        const struct insn *in = &u->run[k];
        int kind = jx_inline_op(in);
        if (!kind || (kind != 1 && (in->rs1 == rd || in->rs2 == rd)))
            return false;
        if (in->rd == rd)
            return true;
    }
    return false;
}

enum jit_emitted jx_done(struct x86 *a, struct jit_unit *u,
                         const struct insn *in, int r, int w)
{
    if (r == RAX)
        return jx_result(a, u, in, w);
    if (!w && !sext_dead(u, in->rd))
        x86_sext32(a, r, r);
    u->dirty |= 1u << in->rd;
    return JIT_E_NEXT;
}

enum jit_emitted jx_result(struct x86 *a, struct jit_unit *u,
                           const struct insn *in, int w)
{
    if (!w && !sext_dead(u, in->rd))
        x86_sext32(a, RAX, RAX);
    jx_st(a, u, RAX, in->rd);
    return JIT_E_NEXT;
}

void jx_notes(const struct jit_unit *u)
{
    const struct jit *j = u->j;
    struct notes nt = {.loop = (uint32_t)(u->loop - u->body)};
    for (unsigned r = 1; r < 32; r++)
        for (size_t k = 0; k < POOL; k++)
            if (u->host[r] == pool[k])
                nt.held[k] = (uint8_t)r;
    const uint8_t *at = (const uint8_t *)notes_of(j, u->body);
    memcpy(j->write + (at - j->code), &nt, sizeof nt);
}

void jx_enter(struct x86 *a, const struct jit_unit *u, const uint8_t *next)
{
    const struct notes *nt = notes_of(u->j, next);
    for (size_t k = 0; k < POOL; k++) {
        unsigned r = nt->held[k];
        if (r && u->host[r] != pool[k])
            x86_load(a, 1, pool[k], HART, XOFF(r));
    }
    x86_jmp(a, next + nt->loop);
}

void jx_flush(struct x86 *a, const struct jit_unit *u)
{
    if (u->deferred.rd)
        x86_lea_scaled(a, u->host[u->deferred.rd], u->deferred.base,
                       u->deferred.index, u->deferred.scale, 0);
    for (uint32_t m = u->dirty; m; m &= m - 1) {
        unsigned r = (unsigned)__builtin_ctz(m);
        x86_store(a, 1, u->host[r], HART, XOFF(r));
    }
}

void jx_reload(struct x86 *a, struct jit_unit *u)
{
    for (uint32_t m = u->held; m; m &= m - 1) {
        unsigned r = (unsigned)__builtin_ctz(m);
        x86_load(a, 1, u->host[r], HART, XOFF(r));
    }
    u->dirty = 0;
}
