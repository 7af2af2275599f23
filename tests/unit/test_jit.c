/* The translator against the interpreter: random programs of the
 * instructions blocks handle (arithmetic, shifts, compares, loads and
 * stores, AMOs, forward branches, a loop) run once interpreted and once
 * translated from the same start; registers, memory and the final pc
 * must agree. Also: code rewritten after FENCE.I runs anew, blocks chain
 * across pages, and a block
 * whose load misses the TLB hands that load to the interpreter, as one
 * whose AMO is misaligned hands it over to raise the exception. */
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
static struct hart *interp, *jit;

static int setup(void **state)
{
    (void)state;
    m = calloc(1, sizeof *m);
    m->bus.ram_base = RAM;
    m->bus.ram_size = RAM_SIZE;
    m->bus.ram = calloc(1, RAM_SIZE);
    m->nharts = 1;
    interp = calloc(1, sizeof *interp);
    jit = calloc(1, sizeof *jit);
    struct hart_env env = machine_hart_env(m);
    assert_int_equal(engine_ops(ENGINE_INTERP)->init(interp, &env, 0, 0), 0);
    assert_int_equal(engine_ops(ENGINE_JIT)->init(jit, &env, 0, 0), 0);
    assert_null(interp->jit);
    assert_non_null(jit->jit);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hart_destroy(interp);
    hart_destroy(jit);
    free(interp);
    free(jit);
    free(m->bus.ram);
    free(m);
    return 0;
}

/* A destination: any register but the loop counter and the base. */
static unsigned dst(void)
{
    return (unsigned)(rand() % LOOP_REG);
}

static unsigned src(void)
{
    return (unsigned)(rand() % 32);
}

/* One random instruction at p (a forward branch skips the next one). */
static uint32_t random_insn(void)
{
    static const struct { unsigned f7, f3, op; } rr[] = {
        {0, 0, 0x33}, {0x20, 0, 0x33}, {0, 1, 0x33}, {0, 2, 0x33},
        {0, 3, 0x33}, {0, 4, 0x33}, {0, 5, 0x33}, {0x20, 5, 0x33},
        {0, 6, 0x33}, {0, 7, 0x33}, {1, 0, 0x33}, {0x10, 2, 0x33},
        {0x10, 4, 0x33}, {0x10, 6, 0x33}, {0x20, 7, 0x33}, {0x20, 6, 0x33},
        {0, 0, 0x3b}, {0x20, 0, 0x3b}, {0, 1, 0x3b}, {0, 5, 0x3b},
        {0x20, 5, 0x3b}, {1, 0, 0x3b},
    };
    int32_t imm = rand() % 4096 - 2048;
    switch (rand() % 9) {
    case 0:
    case 1: {
        unsigned k = (unsigned)rand() % (sizeof rr / sizeof rr[0]);
        return r_type(rr[k].f7, src(), src(), rr[k].f3, dst(), rr[k].op);
    }
    case 2: {
        static const unsigned f3[] = {0, 2, 3, 4, 6, 7};
        return i_type(imm, src(), f3[rand() % 6], dst(), 0x13);
    }
    case 3: {   /* shifts by immediate, 64- and 32-bit */
        bool w = rand() & 1;
        int32_t sh = rand() % (w ? 32 : 64);
        switch (rand() % 3) {
        case 0: return i_type(sh, src(), 1, dst(), w ? 0x1b : 0x13);
        case 1: return i_type(sh, src(), 5, dst(), w ? 0x1b : 0x13);
        default: return i_type(sh | 0x400, src(), 5, dst(), w ? 0x1b : 0x13);
        }
    }
    case 4:
        switch (rand() % 3) {
        case 0: return i_type(imm, src(), 0, dst(), 0x1b);  /* ADDIW */
        case 1: return (uint32_t)rand() << 12 | dst() << 7 | 0x37;
        default: return (uint32_t)rand() << 12 | dst() << 7 | 0x17;
        }
    case 5: {   /* load, naturally aligned, from the data page */
        unsigned f3 = (unsigned)rand() % 7;
        unsigned size = 1u << (f3 & 3);
        int32_t off = (rand() % 2048) & ~(int32_t)(size - 1);
        return i_type(off, BASE_REG, f3, dst(), 0x03);
    }
    case 6: {
        unsigned f3 = (unsigned)rand() % 4;
        int32_t off = (rand() % 2048) & ~(int32_t)((1u << f3) - 1);
        return s_type(off, src(), BASE_REG, f3);
    }
    case 7: {   /* AMOSWAP, ADD, XOR, AND, OR (.W, .D) on the data page */
        static const unsigned f5[] = {1, 0, 4, 12, 8};
        unsigned f3 = 2 + (unsigned)(rand() & 1);
        return r_type(f5[rand() % 5] << 2 | (unsigned)(rand() & 3), src(),
                      BASE_REG, f3, dst(), 0x2f);
    }
    default: {
        static const unsigned f3[] = {0, 1, 4, 5, 6, 7};
        return b_type(8, src(), src(), f3[rand() % 6]);
    }
    }
}

/* Write a program: x30 counts a loop over n random instructions and a
 * nop, then the program spins on `j .`; returns the spin's address. */
static uint64_t write_program(unsigned n, unsigned loops)
{
    uint32_t *p = bus_ram_ptr(&m->bus, CODE, 4 * (n + 8));
    unsigned i = 0;
    p[i++] = i_type((int32_t)loops, 0, 0, LOOP_REG, 0x13);   /* li x30 */
    unsigned top = i;
    for (unsigned k = 0; k < n; k++)
        p[i++] = random_insn();
    p[i++] = i_type(0, 0, 0, 0, 0x13);      /* nop: a last branch skips it */
    p[i++] = i_type(-1, LOOP_REG, 0, LOOP_REG, 0x13);         /* addi -1 */
    p[i] = b_type(-4 * (int32_t)(i - top), 0, LOOP_REG, 1);   /* bnez */
    i++;
    p[i] = j_type(0, 0);                                     /* j . */
    return CODE + 4 * i;
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

static void run_both(unsigned seed, unsigned n, unsigned loops)
{
    srand(seed);
    uint64_t spin = write_program(n, loops);
    uint64_t regs[32];
    for (int i = 0; i < 32; i++)
        regs[i] = (uint64_t)rand() << 33 ^ (uint64_t)rand() << 11 ^
                  (uint64_t)rand();
    uint8_t *data = bus_ram_ptr(&m->bus, DATA, 4096);
    uint8_t initial[4096], after_interp[4096];
    for (int i = 0; i < 4096; i++)
        initial[i] = (uint8_t)rand();

    memcpy(data, initial, sizeof initial);
    start(interp, regs);
    for (int i = 0; i < 50 && interp->pc != spin; i++)
        hart_exec(interp, 1000);
    assert_int_equal(interp->pc, spin);
    memcpy(after_interp, data, sizeof after_interp);

    memcpy(data, initial, sizeof initial);
    start(jit, regs);
    for (int i = 0; i < 50 && jit->pc != spin; i++)
        hart_exec(jit, 1000);
    assert_int_equal(jit->pc, spin);
    for (int r = 0; r < 32; r++) {
        if (interp->x[r] != jit->x[r])
            fail_msg("seed %u: x%d interpreted %#llx, translated %#llx",
                     seed, r, (unsigned long long)interp->x[r],
                     (unsigned long long)jit->x[r]);
    }
    assert_memory_equal(after_interp, data, sizeof after_interp);
}

static void test_random_straight_line(void **state)
{
    (void)state;
    for (unsigned seed = 1; seed <= 200; seed++)
        run_both(seed, 40, 1);
}

static void test_random_loops(void **state)
{
    (void)state;
    for (unsigned seed = 1000; seed <= 1100; seed++)
        run_both(seed, 12, 20);
}

/* The translator really ran: a loop's blocks exist after a run. */
static void test_blocks_are_made(void **state)
{
    (void)state;
    run_both(7, 8, 50);
    assert_true(jit->jit->used > 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_straight_line),
        cmocka_unit_test(test_random_loops),
        cmocka_unit_test(test_blocks_are_made),
        cmocka_unit_test(test_fence_i_drops_blocks),
        cmocka_unit_test(test_tlb_miss_bails),
        cmocka_unit_test(test_chain_across_pages),
        cmocka_unit_test(test_misaligned_amo_traps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
