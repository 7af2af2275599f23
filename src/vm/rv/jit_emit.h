/* The seam inside the translator: jit.c decides what a block is (where it
 * starts and ends, which blocks it can go straight into, when the buffer
 * is full), and a host code emitter (jit_x86.c, the only one) writes the
 * host instructions for it. */
#ifndef CELLA_VM_RV_JIT_EMIT_H
#define CELLA_VM_RV_JIT_EMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "vm/rv/decode.h"
#include "vm/rv/jit.h"

/* Upper bound of the host code for one instruction, with its exits (each
 * writes the registers a block holds back to the hart), and for a block's
 * prologue; in the block itself and in its out-of-line code each. */
#define JIT_INSN_MAX_BYTES 768

/* The most instructions a block has. */
#define JIT_BLOCK_INSNS 64

/* Bytes before each block's code that the emitter keeps its own notes
 * on the block in (what a block jumping to it needs to know). */
#define JIT_BLOCK_NOTES 16

/* A guest call: a jump that links in x1 or x5 (the ISA's hint for a
 * return-address stack). It ends a block. */
static inline bool jit_is_call(const struct insn *in)
{
    return (in->op == OP_JAL || in->op == OP_JALR) &&
           (in->rd == 1 || in->rd == 5);
}

/* A guest return: a jump through x1 or x5 that does not link there. */
static inline bool jit_is_return(const struct insn *in)
{
    return in->op == OP_JALR && (in->rs1 == 1 || in->rs1 == 5) &&
           !jit_is_call(in);
}

/* Whether x[in->rd] holds a value sign-extended from 32 bits after in,
 * given sext, a bit per x[i] that does before it (jit_sext.c). */
bool jit_leaves_sext(const struct insn *in, uint32_t sext);

/* A block being made: where on its page it starts, and where the emitter
 * writes next (in the buffer's writable view). */
struct jit_unit {
    struct jit *j;
    struct insn *code;      /* the page's decoded entries */
    uint8_t gen;            /* their generation */
    unsigned off;           /* the block's first instruction in the page */
    const uint8_t *body;    /* the block's code after its prologue (code
                             * view): where a jump to its start goes, or
                             * past its loads (jit_x86_regs.c) */
    uint8_t *p;             /* the next byte, writable view */
    uint8_t *cold;          /* the next byte of its out-of-line code, the
                             * paths it seldom takes (struct jit) */
    /* The emitter's: the guest registers the block holds in host
     * registers, and which of them it has written since they were last
     * written back to the hart. */
    int8_t host[32];        /* x[i]'s host register, or -1 */
    uint32_t held;          /* a bit per x[i] held */
    uint32_t dirty;         /* a bit per x[i] */
    uint32_t loop_dirty;    /* what counts as written where it loops */
    const uint8_t *loop;    /* past body's loads: where the block loops */
    uint32_t sext;          /* a bit per x[i] known sign-extended from
                             * 32 bits (x0 always) */
    bool fs_checked;        /* mstatus.FS tested on, on every path here */
    bool fs_dirtied;        /* and set dirty */
    /* Branches forward to an instruction of the block itself jump
     * there: each instruction's offset from the block's start; the
     * jumps not yet aimed (where their rel32s are, and to which
     * instruction); for each instruction, what is true on every path of
     * those jumps to it (written registers, FS, sign extensions). */
    uint32_t n;
    const struct insn *run;     /* its instructions, for a look ahead */
    uint32_t cur;               /* the one being made */
    bool fused_next;            /* the next one is made with it */
    /* A store whose page a load before it checked (jit_x86_mem.c), 0
     * for none, and the hart offset of the addend that load used. */
    uint32_t paired_store;
    int32_t paired_addend;
    /* An SHnADD left to the integer load after it, whose address it is
     * and which overwrites it (jit_x86_int.c): rd = base + (index <<
     * scale), base and index host registers; that load adds it up in its
     * own address, and an exit before the load makes it (jx_flush). rd 0
     * for none. */
    struct {
        uint8_t rd;
        int8_t base, index;
        uint8_t scale;
    } deferred;
    int32_t at[JIT_BLOCK_INSNS];
    uint32_t jumps;
    uint8_t *jump_rel[JIT_BLOCK_INSNS];
    uint8_t jump_to[JIT_BLOCK_INSNS];
    uint32_t join_dirty[JIT_BLOCK_INSNS];
    uint32_t join_sext[JIT_BLOCK_INSNS];
    bool join_fs_checked[JIT_BLOCK_INSNS];
    bool join_fs_dirtied[JIT_BLOCK_INSNS];
};

enum jit_emitted {
    JIT_E_NONE,     /* not translated: the block ends before it */
    JIT_E_NEXT,     /* translated, the block goes on */
    JIT_E_END,      /* translated, and it ended the block (a jump) */
};

/* From jit.c, for the emitter: the entry (code view, past its prologue)
 * of the block already made at pc_off from u's start on u's page, or
 * NULL when there is none there. */
const uint8_t *jit_block_at(const struct jit_unit *u, int32_t pc_off);

/* Write the stubs every block shares at the start of the buffer, and set
 * j->lookup, j->exit, j->bail, j->link, j->skip, j->base, j->used and
 * j->bmi2 (and the emitter's other stubs). */
void jit_emit_stubs(struct jit *j);
/* Whether the emitter translates in (on this host). */
bool jit_emit_takes(const struct insn *in);
/* Start u's block at u->p (JIT_BLOCK_NOTES bytes past the end of the
 * last one) for the n instructions of run, all of which jit_emit_takes,
 * each at its offset in at from the block's start (growing: where a JAL
 * jumps forward, the next is its target): its prologue, the loads of its
 * held registers and its notes; sets u->body. */
void jit_emit_begin(struct jit_unit *u, const struct insn *run,
                    const int32_t *at, uint32_t n);
/* Instruction n of the block, at pc_off d from its start; never
 * JIT_E_NONE for one that jit_emit_takes. */
enum jit_emitted jit_emit_insn(struct jit_unit *u, const struct insn *in,
                               int32_t d, uint32_t n);
/* End a block that did not end itself: go on at pc_off d, n retired. */
void jit_emit_end(struct jit_unit *u, int32_t d, uint32_t n);

#endif
