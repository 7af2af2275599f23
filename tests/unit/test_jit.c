/* The translator's workings (its agreement with the interpreter, op by
 * op, is test_jit_diff.c's): blocks are made for a loop; code rewritten
 * runs anew after an icache flush, and after a FENCE.I in the guest even
 * where the old code's blocks were chained into; blocks chain across
 * pages; a guest return goes back into the block that called; a block
 * whose load misses the TLB hands that load to the
 * interpreter, as one whose AMO is misaligned hands it over to raise the
 * exception; a store never writes through a load's copy of a TLB entry,
 * and no copy outlives the generation it was made in, even once the
 * generations come round again;
 * a branch forward within a block that jumps over the block's first F/D
 * instruction still finds the F/D unit off at the next, or marks it
 * dirty there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vm/machine.h"
#include "vm/rv/cpu.h"
#include "vm/rv/engine.h"
#include "vm/rv/jit.h"
#include "test_rv_encode.h"

#define RAM BOARD_RAM_BASE
#define RAM_SIZE (1u << 20)
#define CODE RAM                 /* programs start here */
#define DATA (RAM + 0x80000)     /* x31 points here; 4 KiB used */
#define LOOP_REG 30
#define BASE_REG 31

static struct machine *m;
static struct hart *jit;

static int setup(void **state)
{
    (void)state;
    m = calloc(1, sizeof *m);
    m->bus.ram_base = RAM;
    m->bus.ram_size = RAM_SIZE;
    m->bus.ram = calloc(1, RAM_SIZE);
    m->nharts = 1;
    jit = calloc(1, sizeof *jit);
    struct hart_env env = machine_hart_env(m);
    assert_int_equal(engine_ops(ENGINE_JIT)->init(jit, &env, 0, 0), 0);
    assert_non_null(jit->jit);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hart_destroy(jit);
    free(jit);
    free(m->bus.ram);
    free(m);
    return 0;
}

static void start(struct hart *h, const uint64_t *regs)
{
    memcpy(h->x, regs, 32 * sizeof *regs);
    h->x[BASE_REG] = DATA;
    h->x[0] = 0;
    h->pc = CODE;
    icache_flush(h);
    tlb_flush(h);
    hart_mode_changed(h);
}

/* The translator really ran: a loop's blocks exist after a run. */
static void test_blocks_are_made(void **state)
{
    (void)state;
    uint32_t *p = bus_ram_ptr(&m->bus, CODE, 64);
    uint64_t regs[32] = {0};
    p[0] = i_type(50, 0, 0, LOOP_REG, 0x13);           /* li x30, 50 */
    p[1] = i_type(1, 5, 0, 5, 0x13);                   /* addi x5, x5, 1 */
    p[2] = r_type(0, 5, 6, 0, 6, 0x33);                /* add x6, x6, x5 */
    p[3] = i_type(-1, LOOP_REG, 0, LOOP_REG, 0x13);    /* addi x30, x30, -1 */
    p[4] = b_type(-12, 0, LOOP_REG, 1);                /* bnez x30, 4 */
    p[5] = j_type(0, 0);
    start(jit, regs);
    for (int i = 0; i < 50 && jit->pc != CODE + 20; i++)
        hart_exec(jit, 1000);
    assert_int_equal(jit->pc, CODE + 20);
    assert_int_equal(jit->x[5], 50);
    assert_int_equal(jit->x[6], 50 * 51 / 2);
    assert_true(jit->jit->used > jit->jit->base);
    const struct insn *e = &jit->fetch_code[((CODE + 4) & 0xfff) >> 1];
    assert_int_equal(e->op, OP_JIT);
}

/* Self-modifying code: after FENCE.I the new instruction runs, not the
 * block made for the old one. */
static void test_fence_i_drops_blocks(void **state)
{
    (void)state;
    uint32_t *p = bus_ram_ptr(&m->bus, CODE, 64);
    uint64_t regs[32] = {0};
    /* 0: li x5, 1; 4: addi x6, x6, 1; 8: j 4 (runs until the budget) */
    p[0] = i_type(1, 0, 0, 5, 0x13);
    p[1] = i_type(1, 6, 0, 6, 0x13);
    p[2] = j_type(-4, 0);
    start(jit, regs);
    hart_exec(jit, 100);
    assert_true(jit->x[6] > 0);
    assert_int_equal(jit->x[7], 0);
    p[1] = i_type(1, 7, 0, 7, 0x13);    /* now: addi x7, x7, 1 */
    icache_flush(jit);                   /* what FENCE.I does */
    uint64_t x6 = jit->x[6];
    hart_exec(jit, 100);
    assert_int_equal(jit->x[6], x6);
    assert_true(jit->x[7] > 0);
}

/* A block looping on itself stops once it has spent its budget, about
 * JIT_JUMP_INSNS instructions for each jump of hart_exec's, and counts
 * what it ran exactly in minstret. */
static void test_budget_bounds_a_loop(void **state)
{
    (void)state;
    uint32_t *p = bus_ram_ptr(&m->bus, CODE, 64);
    uint64_t regs[32] = {0};
    p[0] = i_type(1, 6, 0, 6, 0x13);    /* 0: addi x6, x6, 1 */
    p[1] = i_type(1, 7, 0, 7, 0x13);    /* 4: addi x7, x7, 1 */
    p[2] = j_type(-8, 0);               /* 8: j 0: three a turn, so the
                                         * budget ends within one */
    start(jit, regs);
    jit->instret = 0;
    hart_exec(jit, 100);                /* the block is made */
    for (int i = 0; i < 3; i++) {
        uint64_t before = jit->x[6];
        hart_exec(jit, 100);
        uint64_t ran = jit->x[6] - before;
        assert_true(3 * ran >= 90 * JIT_JUMP_INSNS);
        assert_true(3 * ran <= 100 * JIT_JUMP_INSNS + 3);
        uint64_t jumps = jit->x[6] - (jit->pc != CODE);
        assert_int_equal(jit->instret, jit->x[6] + jit->x[7] + jumps);
    }
}

/* A block that reads minstret sees it exact, however the budget cuts the
 * loop it is in. */
static void test_instret_read_in_a_loop(void **state)
{
    (void)state;
    uint32_t *p = bus_ram_ptr(&m->bus, CODE, 64);
    uint64_t regs[32] = {0};
    p[0] = i_type(1, 6, 0, 6, 0x13);            /* 0: addi x6, x6, 1 */
    p[1] = i_type(0xc02, 0, 2, 7, 0x73);        /* 4: rdinstret x7 */
    p[2] = j_type(-8, 0);                       /* 8: j 0 */
    start(jit, regs);
    jit->instret = 0;
    for (unsigned i = 0; i < 200; i++) {
        hart_exec(jit, 37 + i % 50);
        uint64_t turns = jit->x[6] - (jit->pc != CODE);
        if (jit->pc != CODE + 4)
            assert_int_equal(jit->x[7], 3 * jit->x[6] - 2);
        assert_int_equal(jit->instret,
                         turns * 3 + (jit->pc == CODE + 4 ? 1 : 0) +
                             (jit->pc == CODE + 8 ? 2 : 0));
    }
    assert_int_equal(jit->fetch_code[(CODE & 0xfff) >> 1].op, OP_JIT);
}

/* What a block leaves of its budget goes back to the interpreter: a loop
 * whose block leaves it at every turn (for a load that crosses a page,
 * which the interpreter does) runs about as many turns as hart_exec has
 * jumps, a block and a jump each. */
static void test_budget_carries_back_to_the_interpreter(void **state)
{
    (void)state;
    uint32_t *p = bus_ram_ptr(&m->bus, CODE, 64);
    uint64_t regs[32] = {0};
    p[0] = i_type(1, 6, 0, 6, 0x13);            /* 0: addi x6, x6, 1 */
    p[1] = i_type(-4, BASE_REG, 3, 7, 0x03);    /* 4: ld x7, -4(x31) */
    p[2] = j_type(-8, 0);                       /* 8: j 0 */
    start(jit, regs);
    hart_exec(jit, 100);                        /* the block is made */
    assert_int_equal(jit->fetch_code[(CODE & 0xfff) >> 1].op, OP_JIT);
    uint64_t before = jit->x[6];
    hart_exec(jit, 100);
    uint64_t ran = jit->x[6] - before;
    assert_true(ran >= 40 && ran <= 100);
}

/* Run until pc is at (a bounded number of slices). */
static void run_to(uint64_t at)
{
    for (int i = 0; i < 100 && jit->pc != at; i++)
        hart_exec(jit, 1000);
    assert_int_equal(jit->pc, at);
}

/* The guest rewrites code whose blocks were made and chained into, then
 * runs FENCE.I: the new code runs. The loop's block at 8 calls the
 * routine's block at 64 (going straight into it), whose return comes
 * back into the block at 8 through the return-address stack, which goes
 * on straight into the block at 16, which jumps back to the block at 8.
 * The instruction at 8 and the routine get rewritten. */
static void test_fence_i_in_guest_drops_chained_blocks(void **state)
{
    (void)state;
    uint32_t *p = bus_ram_ptr(&m->bus, CODE, 128);
    uint64_t regs[32] = {0};
    enum { N = 20 };
    p[0] = i_type(2, 0, 0, 10, 0x13);           /* li x10, 2: two phases */
    p[1] = i_type(0, 0, 0, 5, 0x13);            /* phase: li x5, 0 */
    p[2] = i_type(1, 7, 0, 7, 0x13);            /* loop: addi x7, x7, 1 */
    p[3] = j_type(64 - 12, 1);                  /* call sub */
    p[4] = i_type(1, 5, 0, 5, 0x13);            /* addi x5, x5, 1 */
    p[5] = b_type(-12, 6, 5, 1);                /* bne x5, x6, loop */
    p[6] = i_type(0x340, 0, 2, 0, 0x73);        /* csrr mscratch: a stop */
    p[7] = s_type(8, 9, BASE_REG, 2);           /* sw x9, 8(x31) */
    p[8] = s_type(64, 13, BASE_REG, 2);         /* sw x13, 64(x31) */
    p[9] = i_type(0, 0, 1, 0, 0x0f);            /* fence.i */
    p[10] = i_type(-1, 10, 0, 10, 0x13);        /* addi x10, x10, -1 */
    p[11] = b_type(-40, 0, 10, 1);              /* bnez x10, phase */
    p[12] = j_type(0, 0);
    p[16] = i_type(1, 11, 0, 11, 0x13);         /* sub: addi x11, x11, 1 */
    p[17] = i_type(0, 1, 0, 0, 0x67);           /* ret */
    regs[6] = N;
    regs[9] = i_type(1, 8, 0, 8, 0x13);         /* addi x8, x8, 1 */
    regs[13] = i_type(1, 12, 0, 12, 0x13);      /* addi x12, x12, 1 */
    start(jit, regs);
    jit->x[BASE_REG] = CODE;
    run_to(CODE + 28);
    assert_int_equal(jit->x[7], N);
    assert_int_equal(jit->x[11], N);
    const struct insn *code = icache_slot(jit, (uint8_t *)p)->insn;
    assert_int_equal(code[8 / 2].op, OP_JIT);
    assert_int_equal(code[16 / 2].op, OP_JIT);
    assert_int_equal(code[64 / 2].op, OP_JIT);
    run_to(CODE + 28);      /* the second phase */
    run_to(CODE + 48);
    assert_int_equal(jit->x[7], N);
    assert_int_equal(jit->x[8], N);
    assert_int_equal(jit->x[11], N);
    assert_int_equal(jit->x[12], N);
    code = icache_slot(jit, (uint8_t *)p)->insn;
    assert_int_equal(code[8 / 2].op, OP_JIT);
    assert_int_equal(code[16 / 2].op, OP_JIT);
    assert_int_equal(code[64 / 2].op, OP_JIT);
}

/* The main program of the JALR tests below, at p: x6 = its start +
 * jump, then a loop of n turns of a JALR through x6 (at 12), to a
 * routine that comes back to 16; then the spin, at 24. */
static void jalr_loop(uint32_t *p, int32_t jump, int32_t n)
{
    int32_t lo = (int32_t)((uint32_t)(jump - 4) << 20) >> 20;
    p[0] = i_type(n, 0, 0, 30, 0x13);                   /* li x30, n */
    p[1] = u_type((jump - 4 - lo) >> 12, 6, 0x17);      /* auipc x6 */
    p[2] = i_type(lo, 6, 0, 6, 0x13);                   /* addi x6, x6 */
    p[3] = i_type(0, 6, 0, 0, 0x67);                    /* jr x6 */
    p[4] = i_type(-1, 30, 0, 30, 0x13);                 /* addi x30, -1 */
    p[5] = b_type(-8, 0, 30, 1);                        /* bnez x30, 12 */
    p[6] = j_type(0, 0);
}

/* A routine at p (at pc from the main program's start): x[r] += 1, then
 * back to the main program's 16. */
static void jalr_routine(uint32_t *p, int32_t pc, unsigned r)
{
    p[0] = i_type(1, (int)r, 0, (int)r, 0x13);
    p[1] = j_type(16 - (pc + 4), 0);
}

/* A JALR's target found through the jump cache by guest address is not
 * found there after FENCE.I: the routine it jumps to, rewritten, runs
 * anew. */
static void test_jalr_runs_new_code_after_fence_i(void **state)
{
    (void)state;
    uint32_t *p = bus_ram_ptr(&m->bus, CODE, 256);
    uint64_t regs[32] = {0};
    enum { N = 30 };
    jalr_loop(p, 128, N);
    jalr_routine(p + 32, 128, 5);
    start(jit, regs);
    run_to(CODE + 24);
    assert_int_equal(jit->x[5], N);
    const struct jit_vjump *e =
        &jit->jit_vjump[((CODE + 128) >> 1) % JIT_VJUMPS];
    assert_int_equal(e->pc, CODE + 128);    /* the lookup filled it */
    assert_int_equal(e->gen, jit->jit_vgen);
    jalr_routine(p + 32, 128, 7);
    icache_flush(jit);                  /* what FENCE.I does */
    jit->pc = CODE;
    run_to(CODE + 24);
    assert_int_equal(jit->x[5], N);
    assert_int_equal(jit->x[7], N);
}

/* Likewise after the page a JALR jumps to is mapped elsewhere (Sv39, in
 * S-mode) and the guest flushes its TLB entry (sfence.vma): virtual page
 * 1 holds the routine, first at RAM + 0x1000, then at RAM + 0x2000;
 * virtual page 0 is the main program's, at RAM. */
static void test_jalr_follows_a_remapped_page(void **state)
{
    (void)state;
    enum { N = 30, V = 1, R = 2, X = 8, A = 64 };
    const uint64_t root = RAM + 0x40000, mid = RAM + 0x41000,
                   leaf = RAM + 0x42000;
    uint64_t *pt = bus_ram_ptr(&m->bus, root, 0x3000);
    memset(pt, 0, 0x3000);
    pt[0] = (mid >> 12) << 10 | V;
    pt[512] = (leaf >> 12) << 10 | V;
    pt[1024] = (RAM >> 12) << 10 | V | R | X | A;
    pt[1025] = ((RAM + 0x1000) >> 12) << 10 | V | R | X | A;
    jalr_loop(bus_ram_ptr(&m->bus, RAM, 64), 0x1000, N);
    jalr_routine(bus_ram_ptr(&m->bus, RAM + 0x1000, 8), 0x1000, 5);
    jalr_routine(bus_ram_ptr(&m->bus, RAM + 0x2000, 8), 0x1000, 7);
    uint64_t regs[32] = {0};
    start(jit, regs);
    jit->priv = PRV_S;
    jit->satp = 8ull << 60 | root >> 12;
    hart_mode_changed(jit);
    tlb_flush(jit);
    jit->pc = 0;
    run_to(24);
    assert_int_equal(jit->x[5], N);
    pt[1025] = ((RAM + 0x2000) >> 12) << 10 | V | R | X | A;
    tlb_flush_page(jit, 0x1000);        /* what sfence.vma does */
    jit->pc = 0;
    run_to(24);
    assert_int_equal(jit->x[5], N);
    assert_int_equal(jit->x[7], N);
}

/* A guest return goes back into the block that called, through the
 * return-address stack, not the jump cache: with the routine's block
 * planted in the jump cache entry of the pc returned to, the loop still
 * counts right. */
static void test_returns_go_back_into_the_calling_block(void **state)
{
    (void)state;
    uint32_t *p = bus_ram_ptr(&m->bus, CODE, 128);
    uint64_t regs[32] = {0};
    enum { N = 20 };
    p[0] = i_type(0, 0, 0, 5, 0x13);            /* li x5, 0 */
    p[1] = i_type(1, 7, 0, 7, 0x13);            /* loop: addi x7, x7, 1 */
    p[2] = j_type(64 - 8, 1);                   /* call sub */
    p[3] = i_type(1, 5, 0, 5, 0x13);            /* addi x5, x5, 1 */
    p[4] = b_type(-12, 6, 5, 1);                /* bne x5, x6, loop */
    p[5] = j_type(0, 0);                        /* j . */
    p[16] = i_type(1, 11, 0, 11, 0x13);         /* sub: addi x11, x11, 1 */
    p[17] = i_type(0, 1, 0, 0, 0x67);           /* ret */
    regs[6] = N;
    start(jit, regs);
    run_to(CODE + 20);
    assert_int_equal(jit->x[11], N);
    const struct insn *code = icache_slot(jit, (uint8_t *)p)->insn;
    assert_int_equal(code[4 / 2].op, OP_JIT);
    assert_int_equal(code[64 / 2].op, OP_JIT);
    struct jit_jump *e = &jit->jit->jumps[((CODE + 12) >> 1) % JIT_JUMPS];
    e->host = (const uint8_t *)p + 12;
    e->code = jit->jit->code + code[64 / 2].imm + jit->jit->skip;
    jit->x[5] = 0;
    jit->pc = CODE + 4;     /* into the loop's block */
    run_to(CODE + 20);
    assert_int_equal(jit->x[7], 2 * N);
    assert_int_equal(jit->x[11], 2 * N);
}

/* A load whose page is not in the TLB stops the block; the interpreter
 * does it (and fills the TLB), and the result is the same. */
static void test_tlb_miss_bails(void **state)
{
    (void)state;
    uint32_t *p = bus_ram_ptr(&m->bus, CODE, 64);
    uint64_t *d = bus_ram_ptr(&m->bus, DATA, 8);
    *d = 0x1122334455667788ull;
    uint64_t regs[32] = {0};
    p[0] = i_type(0, BASE_REG, 3, 5, 0x03);     /* ld x5, 0(x31) */
    p[1] = i_type(1, 5, 0, 6, 0x13);            /* addi x6, x5, 1 */
    p[2] = j_type(0, 0);
    start(jit, regs);
    /* translate the block at 0 first: jump there twice */
    hart_exec(jit, 10);
    tlb_flush(jit);
    jit->pc = CODE;
    jit->x[5] = jit->x[6] = 0;
    hart_exec(jit, 10);
    assert_int_equal(jit->x[5], 0x1122334455667788ull);
    assert_int_equal(jit->x[6], 0x1122334455667789ull);
    assert_int_equal(jit->pc, CODE + 8);
}

/* Blocks go straight on into blocks on another page (a call there and
 * the return back), through jump cache entries that point into the
 * executable view; one reached that way whose load misses the TLB hands
 * the load to the interpreter on its own page. */
static void test_chain_across_pages(void **state)
{
    (void)state;
    uint32_t *a = bus_ram_ptr(&m->bus, CODE, 16);
    uint32_t *b = bus_ram_ptr(&m->bus, CODE + 0x1000, 16);
    uint64_t *d = bus_ram_ptr(&m->bus, DATA, 8);
    uint64_t regs[32] = {0};
    a[0] = i_type(1, 6, 0, 6, 0x13);            /* addi x6, x6, 1 */
    a[1] = j_type(0x1000 - 4, 1);               /* call b */
    a[2] = b_type(-8, 8, 6, 1);                 /* bne x6, x8, a */
    a[3] = j_type(0, 0);
    b[0] = i_type(0, BASE_REG, 3, 5, 0x03);     /* ld x5, 0(x31) */
    b[1] = i_type(1, 7, 0, 7, 0x13);            /* addi x7, x7, 1 */
    b[2] = i_type(0, 1, 0, 0, 0x67);            /* ret */
    for (int phase = 0; phase < 2; phase++) {
        *d = 0x1000 + (uint64_t)phase;
        if (phase == 0) {
            start(jit, regs);
        } else {    /* the blocks stay; the data page leaves the TLB */
            tlb_flush_page(jit, DATA);
            jit->pc = CODE;
            jit->x[6] = jit->x[7] = 0;
        }
        jit->x[8] = 100;
        for (int i = 0; i < 50 && jit->pc != CODE + 12; i++)
            hart_exec(jit, 1000);
        assert_int_equal(jit->pc, CODE + 12);
        assert_int_equal(jit->x[6], 100);
        assert_int_equal(jit->x[7], 100);
        assert_int_equal(jit->x[5], 0x1000 + (uint64_t)phase);
    }
    const struct insn *pa = icache_slot(jit, (uint8_t *)a)->insn;
    const struct insn *pb = icache_slot(jit, (uint8_t *)b)->insn;
    assert_int_equal(pa[0].op, OP_JIT);
    assert_int_equal(pa[4].op, OP_JIT);         /* the return lands here */
    assert_int_equal(pb[0].op, OP_JIT);
    /* the lookup went through the jump cache: what it holds, and the
     * lookup itself, are in the executable view (code), never the
     * writable one */
    const struct jit *j = jit->jit;
    unsigned filled = 0;
    for (unsigned i = 0; i < JIT_JUMPS; i++) {
        const uint8_t *c = j->jumps[i].code;
        if (!c)
            continue;
        filled++;
        assert_true(c >= j->code + j->base && c < j->code + j->used);
    }
    assert_true(filled >= 2);
    assert_true(j->lookup >= j->code && j->lookup < j->code + j->base);
}

/* A block's AMO on a misaligned address hands it to the interpreter,
 * which raises the misaligned-store exception at that AMO. */
static void test_misaligned_amo_traps(void **state)
{
    (void)state;
    uint32_t *p = bus_ram_ptr(&m->bus, CODE, 0x104);
    uint64_t *d = bus_ram_ptr(&m->bus, DATA, 16);
    uint64_t regs[32] = {0};
    p[0] = i_type(1, 0, 0, 6, 0x13);                /* li x6, 1 */
    p[1] = r_type(0, 6, 7, 3, 5, 0x2f);             /* amoadd.d x5, x6, (x7) */
    p[2] = j_type(0, 0);
    p[0x40] = j_type(0, 0);                         /* the trap vector */
    d[0] = 41;
    start(jit, regs);
    jit->mtvec = CODE + 0x100;
    for (int run = 0; run < 2; run++) {     /* the second one translates */
        jit->pc = CODE;
        jit->x[7] = DATA;
        hart_exec(jit, 10);
        assert_int_equal(jit->pc, CODE + 8);
    }
    assert_int_equal(jit->fetch_code[(CODE & 0xfff) >> 1].op, OP_JIT);
    assert_int_equal(d[0], 43);
    assert_int_equal(jit->x[5], 42);
    jit->pc = CODE;
    jit->x[7] = DATA + 4;
    hart_exec(jit, 10);
    assert_int_equal(jit->pc, CODE + 0x100);
    assert_int_equal(jit->mcause, EXC_STORE_MISALIGNED);
    assert_int_equal(jit->mepc, CODE + 4);
    assert_int_equal(jit->mtval, DATA + 4);
    assert_int_equal(d[0], 43);
}

/* A store never goes through a translation made for loads (a read-only
 * page's, in a guest: the zero page or a copy-on-write one) even where
 * its site is the JIT_SITES-th after a load's of the same page. Here the
 * data page's load translation is made to point at a shadow page: loads
 * read the shadow, and the store must still reach RAM. */
static void test_store_never_takes_a_load_translation(void **state)
{
    (void)state;
    uint32_t *p = bus_ram_ptr(&m->bus, CODE, 4 * (JIT_SITES + 2));
    uint64_t *d = bus_ram_ptr(&m->bus, DATA, 8);
    uint64_t regs[32] = {0};
    for (int i = 0; i < JIT_SITES; i++)
        p[i] = i_type(0, BASE_REG, 3, 5, 0x03);         /* ld x5, 0(x31) */
    p[JIT_SITES] = s_type(0, 6, BASE_REG, 3);           /* sd x6, 0(x31) */
    p[JIT_SITES + 1] = j_type(0, 0);
    start(jit, regs);
    for (int run = 0; run < 3; run++) {     /* the later runs translate */
        jit->pc = CODE;
        hart_exec(jit, 2 * JIT_SITES);
        assert_int_equal(jit->pc, CODE + 4 * (JIT_SITES + 1));
    }
    assert_int_equal(icache_slot(jit, (uint8_t *)p)->insn[0].op, OP_JIT);
    assert_int_equal(
        icache_slot(jit, (uint8_t *)&p[JIT_SITES])->insn[0].op, OP_JIT);

    uint64_t *shadow = aligned_alloc(4096, 4096);
    shadow[0] = 0xabc;
    tlb_flush(jit);
    uint64_t vpn = DATA >> 12;
    jit->tlb[jit->data_slot][TLB_R][vpn & (TLB_SIZE - 1)] =
        (struct tlb_entry){vpn, (uintptr_t)shadow - DATA};
    *d = 0;
    jit->x[6] = 0x5555;
    jit->pc = CODE;
    hart_exec(jit, 2 * JIT_SITES);
    assert_int_equal(jit->pc, CODE + 4 * (JIT_SITES + 1));
    assert_int_equal(jit->x[5], 0xabc);     /* the loads took the shadow */
    assert_int_equal(shadow[0], 0xabc);
    assert_int_equal(*d, 0x5555);
    free(shadow);
}

/* A site's copy of a TLB entry counts until the next tlb_sites_drop,
 * which empties the copies filled since the last one: those it listed,
 * or all of them when more were filled than the list holds (hart.h).
 * Here the data page's TLB entry is changed behind the TLB's back: the
 * load goes on through its copy until a drop, with the copy listed and
 * with the list full, and then sees the change. */
static void test_site_copies_die_at_each_drop(void **state)
{
    (void)state;
    uint32_t *p = bus_ram_ptr(&m->bus, CODE, 8);
    uint64_t regs[32] = {0};
    p[0] = i_type(0, BASE_REG, 3, 5, 0x03);     /* ld x5, 0(x31) */
    p[1] = j_type(0, 0);
    start(jit, regs);
    for (int run = 0; run < 2; run++) {     /* the second one translates */
        jit->pc = CODE;
        hart_exec(jit, 10);
    }
    assert_int_equal(jit->fetch_code[(CODE & 0xfff) >> 1].op, OP_JIT);
    uint64_t *page[2] = {aligned_alloc(4096, 4096), aligned_alloc(4096, 4096)};
    uint64_t vpn = DATA >> 12;
    struct tlb_entry *e = &jit->tlb[jit->data_slot][TLB_R][vpn & (TLB_SIZE - 1)];
    for (int full = 0; full < 2; full++) {
        page[0][0] = 10 + (uint64_t)full;
        page[1][0] = 20 + (uint64_t)full;
        tlb_sites_drop(jit);
        if (full)
            jit->jit_site_nfilled = sizeof jit->jit_site_filled;
        *e = (struct tlb_entry){vpn, (uintptr_t)page[0] - DATA};
        jit->pc = CODE;
        hart_exec(jit, 10);                     /* the copy made */
        assert_int_equal(jit->x[5], 10 + (uint64_t)full);
        *e = (struct tlb_entry){vpn, (uintptr_t)page[1] - DATA};
        jit->pc = CODE;
        hart_exec(jit, 10);                     /* the copy taken */
        assert_int_equal(jit->x[5], 10 + (uint64_t)full);
        tlb_sites_drop(jit);
        jit->pc = CODE;
        hart_exec(jit, 10);
        assert_int_equal(jit->x[5], 20 + (uint64_t)full);
    }
    free(page[0]);
    free(page[1]);
}

/* A store takes the page a load before it in its block checked only
 * where it is to the load's own address (jit_x86_mem.c). Here each store
 * is to the page after the load's, which the TLB maps to a shadow page:
 * through a base moved by ADDIs of itself, made again by another op, or
 * loaded by the load itself. Each store must reach the shadow. */
static void test_store_pairs_with_a_load_at_its_address_only(void **state)
{
    (void)state;
    uint32_t *p = bus_ram_ptr(&m->bus, CODE, 4 * 16);
    uint64_t *d = bus_ram_ptr(&m->bus, DATA, 2 * 4096);
    uint64_t regs[32] = {0};
    regs[6] = 0x66;
    regs[8] = 4096;
    regs[9] = 0x99;
    regs[10] = 0xaa;
    p[0] = i_type(0, BASE_REG, 0, 7, 0x13);     /* mv x7, x31 */
    p[1] = i_type(0, 7, 3, 5, 0x03);            /* ld x5, 0(x7) */
    p[2] = i_type(2047, 7, 0, 7, 0x13);         /* addi x7, x7, 2047 */
    p[3] = i_type(2047, 7, 0, 7, 0x13);
    p[4] = i_type(2, 7, 0, 7, 0x13);            /* (x7 += 4096) */
    p[5] = s_type(0, 6, 7, 3);                  /* sd x6, 0(x7) */
    p[6] = i_type(0, BASE_REG, 0, 7, 0x13);     /* mv x7, x31 */
    p[7] = i_type(8, 7, 3, 5, 0x03);            /* ld x5, 8(x7) */
    p[8] = r_type(0, 8, BASE_REG, 0, 7, 0x33);  /* add x7, x31, x8 */
    p[9] = s_type(8, 9, 7, 3);                  /* sd x9, 8(x7) */
    p[10] = i_type(0, BASE_REG, 0, 7, 0x13);    /* mv x7, x31 */
    p[11] = i_type(16, 7, 3, 7, 0x03);          /* ld x7, 16(x7) */
    p[12] = s_type(16, 10, 7, 3);               /* sd x10, 16(x7) */
    p[13] = j_type(0, 0);
    start(jit, regs);
    for (int run = 0; run < 2; run++) {     /* the second one translates */
        d[2] = DATA + 4096;
        jit->pc = CODE;
        hart_exec(jit, 100);
    }
    assert_int_equal(jit->fetch_code[(CODE & 0xfff) >> 1].op, OP_JIT);
    uint64_t *shadow = aligned_alloc(4096, 4096);
    memset(shadow, 0, 4096);
    memset(&d[512], 0, 4096);
    d[2] = DATA + 4096;
    tlb_flush(jit);
    uint64_t vpn = DATA >> 12;
    struct tlb_entry *r = jit->tlb[jit->data_slot][TLB_R];
    struct tlb_entry *w = jit->tlb[jit->data_slot][TLB_W];
    r[vpn & (TLB_SIZE - 1)] = (struct tlb_entry){vpn, (uintptr_t)d - DATA};
    w[vpn & (TLB_SIZE - 1)] = r[vpn & (TLB_SIZE - 1)];
    w[(vpn + 1) & (TLB_SIZE - 1)] =
        (struct tlb_entry){vpn + 1, (uintptr_t)shadow - (DATA + 4096)};
    jit->pc = CODE;
    hart_exec(jit, 100);
    assert_int_equal(jit->pc, CODE + 4 * 13);
    assert_int_equal(shadow[0], 0x66);
    assert_int_equal(shadow[1], 0x99);
    assert_int_equal(shadow[2], 0xaa);
    assert_int_equal(d[512] | d[513] | d[514], 0);
    free(shadow);
}

/* A load and a store to its address with no branch between pair: the
 * load reads through the store's TLB entry, which here maps the data
 * page to a shadow page apart from the load's, so the load sees the
 * shadow's value. A branch between keeps them apart: here it jumps over
 * the ADDI that makes the store's address the load's, so the store is
 * to the page before, which the TLB maps to another shadow. */
static void test_store_pairs_only_with_no_branch_between(void **state)
{
    (void)state;
    uint32_t *p = bus_ram_ptr(&m->bus, CODE, 4 * 16);
    uint64_t *d = bus_ram_ptr(&m->bus, DATA, 4096);
    uint64_t regs[32] = {0};
    regs[6] = 0x66;
    p[0] = i_type(0, BASE_REG, 0, 7, 0x13);     /* mv x7, x31 */
    p[1] = i_type(0, 7, 3, 5, 0x03);            /* ld x5, 0(x7) */
    p[2] = b_type(8, 0, 8, 0);                  /* beqz x8, 4f */
    p[3] = i_type(8, 7, 0, 7, 0x13);            /* addi x7, x7, 8 */
    p[4] = s_type(-8, 6, 7, 3);                 /* 4: sd x6, -8(x7) */
    p[5] = i_type(16, BASE_REG, 3, 9, 0x03);    /* ld x9, 16(x31) */
    p[6] = i_type(1, 9, 0, 9, 0x13);            /* addi x9, x9, 1 */
    p[7] = s_type(16, 9, BASE_REG, 3);          /* sd x9, 16(x31) */
    p[8] = j_type(0, 0);
    start(jit, regs);
    for (int run = 0; run < 2; run++) {     /* the second one translates */
        jit->pc = CODE;
        hart_exec(jit, 100);
    }
    assert_int_equal(jit->fetch_code[(CODE & 0xfff) >> 1].op, OP_JIT);
    /* pages: 0 for the page before DATA's, 2 for DATA's stores */
    uint64_t *shadow = aligned_alloc(4096, 3 * 4096);
    memset(shadow, 0, 3 * 4096);
    d[2] = 100;
    shadow[1024 + 2] = 200;
    tlb_flush(jit);
    uint64_t vpn = DATA >> 12;
    struct tlb_entry *r = jit->tlb[jit->data_slot][TLB_R];
    struct tlb_entry *w = jit->tlb[jit->data_slot][TLB_W];
    r[vpn & (TLB_SIZE - 1)] = (struct tlb_entry){vpn, (uintptr_t)d - DATA};
    w[vpn & (TLB_SIZE - 1)] =
        (struct tlb_entry){vpn, (uintptr_t)&shadow[1024] - DATA};
    w[(vpn - 1) & (TLB_SIZE - 1)] =
        (struct tlb_entry){vpn - 1, (uintptr_t)shadow - (DATA - 4096)};
    jit->pc = CODE;
    hart_exec(jit, 100);
    assert_int_equal(jit->pc, CODE + 4 * 8);
    assert_int_equal(shadow[511], 0x66);        /* the page before's */
    assert_int_equal(shadow[1023], 0);
    assert_int_equal(shadow[1024 + 2], 201);    /* the pair's */
    free(shadow);
}

/* With mstatus.FS off, F/D instructions raise illegal instruction; on,
 * they make it dirty. A block checks FS, and sets it dirty, once, at its
 * first F/D instruction; a branch forward into the block itself that
 * jumps over that one must leave both to the next. */
static void test_branch_over_first_fp_op(void **state)
{
    (void)state;
    uint32_t *p = bus_ram_ptr(&m->bus, CODE, 0x104);
    uint64_t regs[32] = {0};
    uint32_t fadd = r_type(1, 1, 1, 7, 1, 0x53);    /* fadd.d f1, f1, f1 */
    p[0] = i_type(1, 5, 0, 5, 0x13);                /* addi x5, x5, 1 */
    p[1] = b_type(8, 0, 0, 0);                      /* beq x0, x0, 12 */
    p[2] = fadd;
    p[3] = fadd;
    p[4] = j_type(0, 0);
    p[0x40] = j_type(0, 0);                         /* the trap vector */
    start(jit, regs);
    jit->mtvec = CODE + 0x100;
    for (int run = 0; run < 2; run++) {     /* the second one translates */
        jit->pc = CODE;
        jit->mstatus &= ~MSTATUS_FS;
        hart_exec(jit, 10);
        assert_int_equal(jit->pc, CODE + 0x100);
        assert_int_equal(jit->mcause, EXC_ILLEGAL);
        assert_int_equal(jit->mepc, CODE + 12);
    }
    assert_int_equal(jit->fetch_code[(CODE & 0xfff) >> 1].op, OP_JIT);
    jit->pc = CODE;
    jit->mstatus = (jit->mstatus & ~MSTATUS_FS) | 1ull << MSTATUS_FS_SHIFT;
    hart_exec(jit, 10);
    assert_int_equal(jit->pc, CODE + 16);
    assert_int_equal(jit->mstatus & MSTATUS_FS, MSTATUS_FS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks_are_made),
        cmocka_unit_test(test_fence_i_drops_blocks),
        cmocka_unit_test(test_budget_bounds_a_loop),
        cmocka_unit_test(test_budget_carries_back_to_the_interpreter),
        cmocka_unit_test(test_instret_read_in_a_loop),
        cmocka_unit_test(test_fence_i_in_guest_drops_chained_blocks),
        cmocka_unit_test(test_returns_go_back_into_the_calling_block),
        cmocka_unit_test(test_jalr_runs_new_code_after_fence_i),
        cmocka_unit_test(test_jalr_follows_a_remapped_page),
        cmocka_unit_test(test_tlb_miss_bails),
        cmocka_unit_test(test_chain_across_pages),
        cmocka_unit_test(test_misaligned_amo_traps),
        cmocka_unit_test(test_store_never_takes_a_load_translation),
        cmocka_unit_test(test_site_copies_die_at_each_drop),
        cmocka_unit_test(test_store_pairs_with_a_load_at_its_address_only),
        cmocka_unit_test(test_store_pairs_only_with_no_branch_between),
        cmocka_unit_test(test_branch_over_first_fp_op),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
