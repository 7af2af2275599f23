/* The translator: turns a run of decoded instructions on one guest code
 * page into x86-64 host code (a block) that the interpreter calls where
 * the run starts. A block does the user-level ISA (integer, M, A, F, D,
 * Zba/Zbb/Zbs, the FP and counter CSRs) and ends at a jump, at the page's
 * end, or before an instruction it does not translate (other CSRs,
 * privileged ones); the interpreter does the rest. Each hart has its own
 * code buffer: one memory mapped twice, a
 * writable view the translator writes and an executable view that runs,
 * so that no page is ever both (W^X). */
#ifndef CELLA_VM_RV_JIT_H
#define CELLA_VM_RV_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm/rv/decode.h"
#include "vm/rv/hart.h"

struct err;

/* What a block returns: the next pc; in n, how many instructions retired
 * (bits 0-30) and the budget left (bits 32-63, in jumps, see jit_run). With
 * JIT_BAIL set, the block stopped before the instruction at pc (a TLB
 * miss, MMIO, a page crossing, a misaligned AMO, the F/D unit off, a
 * call into the interpreter's C that failed): the interpreter must do
 * it, raising what it must. */
struct jit_exit {
    uint64_t pc;
    uint64_t n;
};
#define JIT_BAIL (1u << 31)
#define JIT_RETIRED(n) ((unsigned)(n) & (JIT_BAIL - 1))
#define JIT_LEFT(n) ((unsigned)((n) >> 32))

/* The jump cache: which block starts at a host address (see jit.c). */
#define JIT_JUMPS 4096
struct jit_jump {
    const uint8_t *host;
    const uint8_t *code;        /* the block's entry, in the code view */
};

/* Offsets (used, base, skip, a block's) are the same in both views;
 * every address that code jumps to or is entered at is in code. */
struct jit {
    const uint8_t *code;    /* size bytes, readable and executable */
    uint8_t *write;         /* the same bytes, readable and writable */
    size_t size;
    size_t used;
    size_t base;        /* bytes of the shared stubs: blocks start after */
    /* Blocks' out-of-line code (the paths they seldom take, jit_emit.h)
     * goes in the buffer's upper half, from cold_base up to cold. */
    size_t cold_base;
    size_t cold;
    size_t skip;        /* bytes of a block's prologue */
    const uint8_t *lookup;  /* the stub a block leaves through (jit_x86.c) */
    const uint8_t *exit;    /* the stub a block returns through */
    const uint8_t *bail;    /* the same, for JIT_BAIL */
    const uint8_t *link;    /* the lookup that also links a jump site */
    const uint8_t *fp_on;   /* the emitter's stubs for the host's FP */
    const uint8_t *fp_off;  /* state (jit_x86_fp.c) */
    struct jit_jump *jumps;     /* JIT_JUMPS, indexed by pc */
    int perf_map;       /* /tmp/perf-PID.map (--perf-map), or -1 */
    unsigned next_site[TLB_W + 1];  /* the next data-TLB site, per kind */
    /* The host has BMI2's shifts, which shift one register into another
     * (jit_emit_stubs finds out; a test may clear it before any block is
     * made, to exercise the code made without them). */
    bool bmi2;
};

/* Past the ISA's ops, the one op a decoded-code cache entry may hold that
 * is no instruction: a translated block starts here; imm is the block's
 * offset, raw still the instruction. Tables indexed by a cached op have
 * OP_DISPATCH entries. */
#define OP_JIT OP_COUNT
#define OP_DISPATCH (OP_COUNT + 1)
_Static_assert(OP_DISPATCH <= 256, "OP_JIT must fit in struct insn's op byte");

/* Ops a block can start with (1) and the ones it cannot (0). */
extern const uint8_t jit_starts[OP_DISPATCH];

/* Map a code buffer, and with perf_map name each block in
 * /tmp/perf-PID.map for perf; NULL on failure, with e filled. *refused is set
 * when the host refuses executable memory altogether (a seccomp filter,
 * an SELinux policy; W^X alone, as systemd's MemoryDenyWriteExecute or
 * PR_SET_MDWE, is met): the caller can interpret instead, e saying why. */
struct jit *jit_new(bool perf_map, bool *refused, struct err *e);
void jit_free(struct jit *j);
/* Forget every block (the buffer is reused from the start, or with
 * perf_map once it is full). Only when no decoded entry still points at a
 * block: after every icache slot dropped. */
void jit_reset(struct jit *j);

enum { JIT_NONE = -1, JIT_FULL = -2 };
/* Translate the run starting at byte off of the code page whose host copy
 * is host and decoded entries code (generation gen), decoding entries as
 * it goes; pc is its guest address now, for its name. Returns the
 * block's offset in the buffer (its prologue's), JIT_NONE if the first
 * instruction cannot be translated, JIT_FULL if either half of the
 * buffer is full (jit_reset after dropping the icache, then try
 * again). */
long jit_translate(struct jit *j, struct insn *code, const uint8_t *host,
                   unsigned off, uint8_t gen, uint64_t pc);

typedef struct jit_exit (*jit_block_fn)(struct hart *h,
                                        struct tlb_entry (*dtlb)[TLB_SIZE],
                                        uint64_t pc, uint64_t left,
                                        struct tlb_entry *itlb);

/* A block's budget: this many instructions for each of the interpreter's
 * jumps it has left. */
#define JIT_JUMP_INSNS 8

/* Run the block at offset off with pc its first instruction's address.
 * A block goes straight on into the next wherever one is already made
 * (found through the fetch TLB, then the jump cache or the decoded-code
 * cache, on any page), until JIT_JUMP_INSNS times left instructions have
 * retired: every way on but a jump forward into a block made on the page
 * checks. The pc it returns may be on another page. */
static inline struct jit_exit jit_run(struct jit *j, long off,
                                      struct hart *h,
                                      struct tlb_entry (*dtlb)[TLB_SIZE],
                                      uint64_t pc, unsigned left)
{
    return ((jit_block_fn)(const void *)(j->code + off))(
        h, dtlb, pc, left, h->tlb[h->priv][TLB_X]);
}

#endif
