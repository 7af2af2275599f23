/* The translator against the interpreter, op by op: random programs of
 * every op a block may come to translate (RV64I and compressed ALU ops,
 * M, A with LR/SC, Zba/Zbb/Zbs, F and D with their CSRs and rounding
 * modes, branches and jumps over other ops, calls and returns) on edge
 * operands (division by zero and overflow, W ops' garbage upper halves,
 * signed zeros, infinities, quiet and signalling NaNs, singles not
 * NaN-boxed, denormals, values that round differently per mode) run in a
 * loop, once interpreted and once translated, from the same state. x and
 * f registers, fcsr, mstatus, the data page and the final pc must agree;
 * a mismatch prints the seed, what differs and the program's listing.
 * An op the translator does not take yet is interpreted by both runs: the
 * test checks each op from the moment the translator takes it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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
#define TRAP (RAM + 0x2000)      /* mtvec: `j .` */
#define DATA (RAM + 0x80000)     /* x31 points here; 4 KiB compared */
#define POOL (DATA - 2048)       /* edge values, loaded at x31 - 2048.. */
#define LINK_SLOT (-8)           /* at x31: where a routine keeps its link */
#define LOOP_REG 30
#define BASE_REG 31
#define TMP_REG 29      /* addresses and operands a unit sets up first */
#define MAX_INSNS 512
#define BOX 0xffffffff00000000ull

enum {
    OPC_IMM = 0x13, OPC_IMM32 = 0x1b, OPC_REG = 0x33, OPC_REG32 = 0x3b,
    OPC_AMO = 0x2f, OPC_FP = 0x53, OPC_SYSTEM = 0x73,
};

/* Integer operands: the divisions' corners (0, 1, -1, INT64_MIN,
 * INT32_MIN), W operands whose upper half is garbage, shift amounts
 * around the width, byte patterns. gen_m picks among the first 17 by
 * index. */
static const uint64_t int_edges[] = {
    0, 1, 2, UINT64_MAX, UINT64_MAX - 1, 1ull << 63, INT64_MAX,
    (1ull << 63) + 1, 0x80000000, 0xffffffff80000000, 0x7fffffff,
    0xffffffff, 0x100000000, 0xdeadbeef80000000, 0x12345678ffffffff,
    0xabcdef0000000000, 0x5555555500000001, 0xfedcba98000000ff,
    0x00ff00ff00ff00ff, 0x0102030405060708, 0x8000000000000080,
    0xffffffff7fffffff, 0x000000017fffffff, 31, 32, 63, 64, 0x7f, 0x80,
    0xff00, 0x8000, 0xf0f0f0f00f0f0f0f,
};

static const uint64_t double_edges[] = {
    0, 1ull << 63, 0x7ff0000000000000, 0xfff0000000000000,
    0x7ff8000000000000, 0xfff8000000000000, 0x7ff8000000000123, /* qNaN */
    0x7ff0000000000001, 0xfff4000000000000,                      /* sNaN */
    0x0000000000000001, 0x800fffffffffffff,     /* denormals */
    0x0010000000000000, 0x7fefffffffffffff, 0xffefffffffffffff,
    0x3ff0000000000000, 0xbff0000000000000, 0x4008000000000000, /* 1 -1 3 */
    0x3fe0000000000000, 0xbfe0000000000000, 0x3ff8000000000000,
    0x4004000000000000, 0xc004000000000000,     /* ±2.5: ties */
    0x3fb999999999999a, 0x3fd5555555555555, 0xc00921fb54442d18,
    0x41dfffffffc00000, 0x41dfffffffe00000, 0x41e0000000000000,
    0xc1e0000000000000, 0xc1e0000000200000,     /* around ±2^31 */
    0x41efffffffe00000, 0x41f0000000000000,     /* around 2^32 */
    0x43e0000000000000, 0xc3e0000000000000, 0x43efffffffffffff,
    0x43f0000000000000, 0x4330000000000001,     /* around 2^63, 2^64 */
    0x47efffffe0000000, 0x47effffff0000000,     /* FLT_MAX, and a tie */
    0x36a0000000000000, 0x3690000000000000, 0x3810000000000000,
    0x3ff0000000000001, 0x3ff0000010000000, 0x3ff0000030000000,
    0x7e37e43c8800759c,
};

static const uint32_t single_edges[] = {
    0, 0x80000000, 0x7f800000, 0xff800000,
    0x7fc00000, 0xffc00000, 0x7fc12345, 0x7f800001, 0xff900000, /* NaNs */
    0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0xff7fffff,
    0x3f800000, 0xbf800000, 0x40400000, 0x3f000000, 0xbf000000,
    0x3fc00000, 0x40200000, 0xc0200000, 0x3dcccccd, 0x3eaaaaab,
    0x4effffff, 0x4f000000, 0xcf000000, 0xcf000001, 0x4f7fffff,
    0x4f800000, 0x5f000000, 0xdf000000, 0x5f7fffff, 0x5f800000,
    0x3f7fffff, 0x3f800001, 0x4b800001, 0x34000000, 0x33800000,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
/* The pool's layout: offsets from x31, all negative. */
#define POOL_INT(i) (-2048 + 8 * (int32_t)(i))
#define POOL_DOUBLE(i) (POOL_INT(COUNT(int_edges)) + 8 * (int32_t)(i))
#define POOL_SINGLE(i) (POOL_DOUBLE(COUNT(double_edges)) + 4 * (int32_t)(i))
_Static_assert(8 * (COUNT(int_edges) + COUNT(double_edges)) +
               4 * COUNT(single_edges) <= 2048, "the pool fits below x31");

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
    uint8_t *pool = bus_ram_ptr(&m->bus, POOL, 2048);
    for (unsigned i = 0; i < COUNT(int_edges); i++)
        memcpy(pool + 2048 + POOL_INT(i), &int_edges[i], 8);
    for (unsigned i = 0; i < COUNT(double_edges); i++)
        memcpy(pool + 2048 + POOL_DOUBLE(i), &double_edges[i], 8);
    for (unsigned i = 0; i < COUNT(single_edges); i++)
        memcpy(pool + 2048 + POOL_SINGLE(i), &single_edges[i], 4);
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

static unsigned pick(unsigned n)
{
    return (unsigned)rand() % n;
}

/* A destination: any register but the loop counter, the base and the
 * scratch register units set up before use. */
static unsigned dst(void)
{
    return pick(TMP_REG);
}

static unsigned src(void)
{
    return pick(32);
}

static uint64_t rand64(void)
{
    return (uint64_t)rand() << 42 ^ (uint64_t)rand() << 21 ^ (uint64_t)rand();
}

/* A rounding mode: a static one (RNE RTZ RDN RUP RMM) or dynamic. */
static unsigned rm(void)
{
    static const unsigned rms[] = {0, 1, 2, 3, 4, 7};
    return rms[pick(COUNT(rms))];
}

/* What a program is made of: each test draws its units from some of
 * these. */
enum unit_kind {
    U_INT,      /* RV64I arithmetic, LUI/AUIPC, loads, stores, FENCE */
    U_M,
    U_ZB,
    U_AMO,      /* AMOs and LR/SC pairs */
    U_FMEM,     /* FLW FSW FLD FSD */
    U_FARITH,   /* arithmetic, FMA, sign injection, min/max, FCVT S<->D */
    U_FCVT,     /* to and from integers, moves, compares, FCLASS */
    U_FCSR,     /* fcsr, frm, fflags: reads, writes of valid modes */
    U_RVC,      /* compressed ALU ops, a 32-bit op at 2 mod 4 */
    U_FLOW,     /* a branch or jump over the next unit */
    U_CALL,     /* a call of a routine that is the next unit */
    U_KINDS
};

struct prog {
    uint32_t w[MAX_INSNS];
    unsigned n;
};

static void put(struct prog *p, uint32_t insn)
{
    assert_true(p->n < MAX_INSNS);
    p->w[p->n++] = insn;
}

/* rd = an integer edge value */
static void load_int_edge(struct prog *p, unsigned rd)
{
    put(p, i_type(POOL_INT(pick(COUNT(int_edges))), BASE_REG, 3, rd, 0x03));
}

/* f[rd] = an edge value of the format (a single NaN-boxed by FLW) */
static void load_fp_edge(struct prog *p, unsigned rd, bool dbl)
{
    if (dbl)
        put(p, i_type(POOL_DOUBLE(pick(COUNT(double_edges))), BASE_REG, 3,
                      rd, 0x07));
    else
        put(p, i_type(POOL_SINGLE(pick(COUNT(single_edges))), BASE_REG, 2,
                      rd, 0x07));
}

/* An integer source that is, half the time, an edge value just loaded
 * into the scratch register. */
static unsigned int_operand(struct prog *p)
{
    if (pick(2))
        return src();
    load_int_edge(p, TMP_REG);
    return TMP_REG;
}

/* An FP source that is, half the time, an edge value just loaded. */
static unsigned fp_operand(struct prog *p, bool dbl)
{
    unsigned r = src();
    if (pick(2))
        load_fp_edge(p, r, dbl);
    return r;
}

/* RV64I register-register ops: ADD SUB SLL SLT SLTU XOR SRL SRA OR AND,
 * ADDW SUBW SLLW SRLW SRAW */
static const struct { unsigned f7, f3, op; } base_rr[] = {
    {0, 0, OPC_REG}, {0x20, 0, OPC_REG}, {0, 1, OPC_REG}, {0, 2, OPC_REG},
    {0, 3, OPC_REG}, {0, 4, OPC_REG}, {0, 5, OPC_REG}, {0x20, 5, OPC_REG},
    {0, 6, OPC_REG}, {0, 7, OPC_REG},
    {0, 0, OPC_REG32}, {0x20, 0, OPC_REG32}, {0, 1, OPC_REG32},
    {0, 5, OPC_REG32}, {0x20, 5, OPC_REG32},
};

static uint32_t base_rr_insn(unsigned rs1)
{
    unsigned k = pick(COUNT(base_rr));
    return r_type(base_rr[k].f7, src(), rs1, base_rr[k].f3, dst(),
                  base_rr[k].op);
}

/* Some rd from an op (register-register, with an immediate, or a shift
 * right by 31 to 34) on rs1 and another register, or, one time in two, on
 * values ADDIWs just made sign-extended from 32 bits; then SEXT.W of rd,
 * which the translator makes a move where it knows rd to be so. */
static void sext_after(struct prog *p, unsigned rs1, int32_t imm)
{
    static const unsigned f3[] = {0, 4, 6, 7};     /* ADDI XORI ORI ANDI */
    unsigned rd = 1 + pick(TMP_REG - 1), rs2 = src();
    unsigned k = pick(2) ? 0 : pick(COUNT(base_rr));    /* ADD one in two */
    if (pick(2)) {
        unsigned a = 1 + pick(TMP_REG - 1), b = 1 + pick(TMP_REG - 1);
        put(p, i_type(imm, rs1, 0, a, OPC_IMM32));
        put(p, i_type((int32_t)pick(4096) - 2048, int_operand(p), 0, b,
                      OPC_IMM32));
        rs1 = a;
        rs2 = b;
    }
    switch (pick(3)) {
    case 0:     /* x0 for a source one time in two: mv, or OP with x0 */
        switch (pick(4)) {
        case 0: rs1 = 0; break;
        case 1: rs2 = 0; break;
        default: break;
        }
        put(p, r_type(base_rr[k].f7, rs2, rs1, base_rr[k].f3, rd,
                      base_rr[k].op));
        break;
    case 1:
        put(p, i_type(imm, rs1, f3[pick(COUNT(f3))], rd, OPC_IMM));
        break;
    default:    /* SRLI or SRAI */
        put(p, i_type((int32_t)(31 + pick(4)) | (pick(2) ? 0x400 : 0), rs1, 5,
                      rd, OPC_IMM));
        break;
    }
    put(p, i_type(0, rd, 0, dst(), OPC_IMM32));
}

/* A load, an op on what it loaded and a store back through a copy of
 * the data page's base, which is moved in between (an ADDI of itself)
 * or made again (an ADDI of the base) one time in two; the store is to
 * the load's own address one time in two (the translator then checks
 * its page once), else next to it. */
static void gen_rmw(struct prog *p)
{
    unsigned t = 1 + pick(TMP_REG - 1), rd = 1 + pick(TMP_REG - 2);
    if (rd >= t)    /* rd is not t */
        rd++;
    int32_t off = 8 * (5 + (int32_t)pick(200)), moved = 0;
    put(p, i_type(0, BASE_REG, 0, t, OPC_IMM));
    put(p, i_type(off, t, pick(7), rd, 0x03));
    switch (pick(4)) {
    case 0:
        moved = 8 * ((int32_t)pick(9) - 4);
        put(p, i_type(moved, t, 0, t, OPC_IMM));
        break;
    case 1:
        put(p, i_type(8, BASE_REG, 0, t, OPC_IMM));
        break;
    default:
        break;
    }
    put(p, i_type(1, rd, 0, rd, OPC_IMM));
    int32_t near = pick(2) ? 0 : 8 * ((int32_t)pick(3) - 1);
    put(p, s_type(off - moved + near, rd, t, pick(4)));
}

/* A table lookup, as compiled C indexes an array: an index of at most
 * 255 (an ANDI), shifted by 0 to 3 and added to the data page's base
 * (SLLI and ADD, or SHnADD) into a register that a load from it then
 * overwrites (the translator adds that sum up in the load's own address
 * instead); the index in that register itself one time in two, else,
 * with SHnADD, the base one time in two. The table starts up to 2 KiB
 * below the base one time in two, on the page before, whose first access
 * misses the TLB there. */
static void gen_lookup(struct prog *p)
{
    unsigned rx = 1 + pick(TMP_REG - 1), ri = pick(2) ? rx : TMP_REG;
    unsigned sh = pick(4), base = BASE_REG;
    bool zba = sh && pick(2);
    if (zba && ri != rx && pick(2)) {
        put(p, i_type(0, BASE_REG, 0, rx, OPC_IMM));    /* mv rx, x31 */
        base = rx;
    }
    put(p, i_type(0xff, src(), 7, ri, OPC_IMM));
    if (zba) {
        put(p, r_type(0x10, base, ri, 2 * sh, rx, OPC_REG));
    } else {
        put(p, i_type((int32_t)sh, ri, 1, rx, OPC_IMM));
        put(p, pick(2) ? r_type(0, BASE_REG, rx, 0, rx, OPC_REG)
                       : r_type(0, rx, BASE_REG, 0, rx, OPC_REG));
    }
    int32_t off = pick(2) ? (int32_t)pick(2048) - 2048 : (int32_t)pick(64);
    put(p, i_type(off, rx, pick(7), rx, 0x03));
}

static void gen_int(struct prog *p)
{
    int32_t imm = (int32_t)pick(4096) - 2048;
    switch (pick(8)) {
    case 0:
        put(p, base_rr_insn(int_operand(p)));
        return;
    case 1: {   /* a W op, then (after another) one on what it wrote, into
                 * the same rd */
        static const unsigned w_ops[][2] = {    /* f7, f3 of OPC_REG32 */
            {0, 0}, {0x20, 0}, {0, 1}, {0, 5}, {0x20, 5}, {1, 0},
        };
        unsigned rd = 1 + pick(TMP_REG - 1), k = pick(COUNT(w_ops));
        put(p, r_type(w_ops[k][0], src(), int_operand(p), w_ops[k][1], rd,
                      OPC_REG32));
        if (pick(2))    /* and an op between, which may read or write rd */
            put(p, base_rr_insn(src()));
        k = pick(COUNT(w_ops));
        switch (pick(4)) {
        case 0:     /* ADDIW, or SEXT.W */
            put(p, i_type(pick(2) ? imm : 0, rd, 0, rd, OPC_IMM32));
            return;
        case 1:     /* ANDI, or SLLI by 0 to 63 */
            put(p, pick(2) ? i_type(imm, rd, 7, rd, OPC_IMM)
                           : i_type((int32_t)pick(64), rd, 1, rd, OPC_IMM));
            return;
        default: {  /* reading rd as rs1 or rs2 */
            unsigned other = src();
            put(p, pick(2) ? r_type(w_ops[k][0], other, rd, w_ops[k][1], rd,
                                    OPC_REG32)
                           : r_type(w_ops[k][0], rd, other, w_ops[k][1], rd,
                                    OPC_REG32));
            return;
        }
        }
    }
    case 2: {   /* ADDI SLTI SLTIU XORI ORI ANDI, ADDIW */
        static const unsigned f3[] = {0, 2, 3, 4, 6, 7};
        unsigned rs1 = int_operand(p);
        if (pick(4))
            put(p, i_type(imm, rs1, f3[pick(COUNT(f3))], dst(), OPC_IMM));
        else if (pick(2))
            put(p, i_type(imm, rs1, 0, dst(), OPC_IMM32));
        else
            sext_after(p, rs1, imm);
        return;
    }
    case 3: {   /* shifts by immediate, 64- and 32-bit */
        bool w = pick(2);
        int32_t sh = (int32_t)pick(w ? 32 : 64);
        unsigned op = w ? OPC_IMM32 : OPC_IMM, rs1 = int_operand(p);
        if (pick(4) == 0) {     /* slli rd, rs1, 0-4; add rd, rd, rs */
            unsigned rd = dst(), rs = src();
            put(p, i_type((int32_t)pick(5), rs1, 1, rd, OPC_IMM));
            put(p, pick(2) ? r_type(0, rs, rd, 0, rd, OPC_REG)
                           : r_type(0, rd, rs, 0, rd, OPC_REG));
            return;
        }
        switch (pick(3)) {
        case 0: put(p, i_type(sh, rs1, 1, dst(), op)); return;
        case 1: put(p, i_type(sh, rs1, 5, dst(), op)); return;
        default: put(p, i_type(sh | 0x400, rs1, 5, dst(), op)); return;
        }
    }
    case 4: {   /* LUI, AUIPC (and one time in two an ADDI of it: la) */
        unsigned rd = dst();
        if (pick(2)) {
            put(p, (uint32_t)rand() << 12 | rd << 7 | 0x37);
        } else {
            put(p, (uint32_t)rand() << 12 | rd << 7 | 0x17);
            if (pick(2))
                put(p, i_type(imm, pick(4) ? rd : src(), 0, pick(4) ? rd : dst(),
                              OPC_IMM));
        }
        return;
    }
    case 5: {   /* a load from the data page, one in four misaligned (or
                 * a load, op and store back, or a table lookup) */
        switch (pick(4)) {
        case 0:
            gen_rmw(p);
            return;
        case 1:
            gen_lookup(p);
            return;
        default:
            break;
        }
        unsigned f3 = pick(7);
        unsigned size = 1u << (f3 & 3);
        int32_t off = (int32_t)pick(2048);
        if (pick(4))
            off &= ~(int32_t)(size - 1);
        put(p, i_type(off, BASE_REG, f3, dst(), 0x03));
        return;
    }
    case 6: {   /* a store, likewise */
        unsigned f3 = pick(4);
        int32_t off = (int32_t)pick(2048);
        if (pick(4))
            off &= ~(int32_t)((1u << f3) - 1);
        put(p, s_type(off, src(), BASE_REG, f3));
        return;
    }
    default:
        put(p, i_type(0x0ff, 0, 0, 0, 0x0f));   /* fence iorw, iorw */
        return;
    }
}

/* Every M op; two times in three on a dividend and a divisor from the
 * division's corners: INT64_MIN / -1, INT32_MIN / -1 (also with garbage
 * above), x / 0 (also 0 only in the low half), x / 1. Indices into
 * int_edges. */
static void gen_m(struct prog *p)
{
    static const uint8_t dividends[] = {5, 5, 9, 13, 8, 3, 6, 1, 14, 16};
    static const uint8_t divisors[] = {0, 1, 3, 3, 15, 14, 11, 16, 5, 2};
    static const unsigned f3_32[] = {0, 4, 5, 6, 7};
    bool w = pick(3) == 0;
    unsigned f3 = w ? f3_32[pick(COUNT(f3_32))] : pick(8);
    unsigned rd = dst(), rs1 = src(), rs2 = src();
    if (pick(3)) {
        rd = rs1 = 1 + pick(TMP_REG - 1);
        rs2 = TMP_REG;
        put(p, i_type(POOL_INT(dividends[pick(COUNT(dividends))]), BASE_REG,
                      3, rs1, 0x03));
        put(p, i_type(POOL_INT(divisors[pick(COUNT(divisors))]), BASE_REG, 3,
                      rs2, 0x03));
    }
    put(p, r_type(1, rs2, rs1, f3, rd, w ? OPC_REG32 : OPC_REG));
}

static void gen_zb(struct prog *p)
{
    static const struct { unsigned f7, f3, op; } rr[] = {
        {0x20, 7, OPC_REG}, {0x20, 6, OPC_REG}, {0x20, 4, OPC_REG},
        {5, 4, OPC_REG}, {5, 5, OPC_REG}, {5, 6, OPC_REG}, {5, 7, OPC_REG},
        {0x30, 1, OPC_REG}, {0x30, 5, OPC_REG},
        {0x24, 1, OPC_REG}, {0x24, 5, OPC_REG}, {0x34, 1, OPC_REG},
        {0x14, 1, OPC_REG},
        {0x10, 2, OPC_REG}, {0x10, 4, OPC_REG}, {0x10, 6, OPC_REG},
        {4, 0, OPC_REG32},
        {0x10, 2, OPC_REG32}, {0x10, 4, OPC_REG32}, {0x10, 6, OPC_REG32},
        {0x30, 1, OPC_REG32}, {0x30, 5, OPC_REG32},
    };  /* andn orn xnor, min minu max maxu, rol ror, bclr bext binv bset,
         * sh1add sh2add sh3add, add.uw sh1add.uw sh2add.uw sh3add.uw,
         * rolw rorw */
    static const struct { unsigned imm, f3, op; } unary[] = {
        {0x600, 1, OPC_IMM}, {0x601, 1, OPC_IMM}, {0x602, 1, OPC_IMM},
        {0x604, 1, OPC_IMM}, {0x605, 1, OPC_IMM},
        {0x287, 5, OPC_IMM}, {0x6b8, 5, OPC_IMM},
        {0x600, 1, OPC_IMM32}, {0x601, 1, OPC_IMM32}, {0x602, 1, OPC_IMM32},
    };  /* imm[11:0]: clz ctz cpop sext.b sext.h orc.b rev8 clzw ctzw cpopw */
    static const struct { unsigned hi, f3, op; } shi[] = {
        {0x480, 1, OPC_IMM}, {0x680, 1, OPC_IMM}, {0x280, 1, OPC_IMM},
        {0x600, 5, OPC_IMM}, {0x480, 5, OPC_IMM}, {0x080, 1, OPC_IMM32},
    };  /* imm[11:6]: bclri binvi bseti rori bexti slli.uw */
    unsigned rs1 = int_operand(p);
    switch (pick(5)) {
    case 0:
    case 1: {
        unsigned k = pick(COUNT(rr));
        put(p, r_type(rr[k].f7, src(), rs1, rr[k].f3, dst(), rr[k].op));
        return;
    }
    case 2: {
        unsigned k = pick(COUNT(unary));
        put(p, i_type((int32_t)unary[k].imm, rs1, unary[k].f3, dst(),
                      unary[k].op));
        return;
    }
    case 3: {
        unsigned k = pick(COUNT(shi));
        put(p, i_type((int32_t)(shi[k].hi | pick(64)), rs1, shi[k].f3, dst(),
                      shi[k].op));
        return;
    }
    default:
        if (pick(2))    /* rori.w */
            put(p, i_type((int32_t)(0x600 | pick(32)), rs1, 5, dst(),
                          OPC_IMM32));
        else            /* zext.h */
            put(p, r_type(4, 0, rs1, 4, dst(), OPC_REG32));
        return;
    }
}

/* An AMO at an aligned address of the data page's first KiB, or an LR/SC
 * pair: to the same address (it succeeds), to one 64 or 128 bytes on (it
 * fails), or an SC alone (it fails: every SC ends the reservation). */
static void gen_amo(struct prog *p)
{
    static const unsigned f5[] = {1, 0, 4, 0xc, 8, 0x10, 0x14, 0x18, 0x1c};
    unsigned f3 = 2 + pick(2);
    int32_t off = (int32_t)pick(1024) & (f3 == 3 ? ~7 : ~3);
    put(p, i_type(off, BASE_REG, 0, TMP_REG, OPC_IMM));
    unsigned aqrl = pick(4);
    if (pick(3)) {
        put(p, r_type(f5[pick(COUNT(f5))] << 2 | aqrl, src(), TMP_REG, f3,
                      dst(), OPC_AMO));
        return;
    }
    unsigned kind = pick(4);
    if (kind != 3)
        put(p, r_type(2 << 2 | aqrl, 0, TMP_REG, f3, dst(), OPC_AMO));
    if (kind == 1)      /* something in between that touches no memory */
        put(p, r_type(0, src(), src(), 0, dst(), OPC_REG));
    if (kind == 2)
        put(p, i_type(64 << pick(2), TMP_REG, 0, TMP_REG, OPC_IMM));
    put(p, r_type(3 << 2 | pick(4), src(), TMP_REG, f3, dst(), OPC_AMO));
}

static void gen_fmem(struct prog *p)
{
    bool dbl = pick(2);
    unsigned f3 = dbl ? 3 : 2;
    int32_t off = (int32_t)pick(2048) & (dbl ? ~7 : ~3);
    switch (pick(3)) {
    case 0:
        load_fp_edge(p, src(), dbl);
        return;
    case 1:
        put(p, i_type(off, BASE_REG, f3, src(), 0x07));
        return;
    default:
        put(p, s_type_op(off, src(), BASE_REG, f3, 0x27));
        return;
    }
}

static void gen_farith(struct prog *p)
{
    bool dbl = pick(2);
    unsigned fmt = dbl, rd = src();
    switch (pick(7)) {
    case 0:
    case 1: {   /* FADD FSUB FMUL FDIV */
        unsigned a = fp_operand(p, dbl), b = fp_operand(p, dbl);
        put(p, r_type(pick(4) << 2 | fmt, b, a, rm(), rd, OPC_FP));
        return;
    }
    case 2:     /* FSQRT */
        put(p, r_type(0x0b << 2 | fmt, 0, fp_operand(p, dbl), rm(), rd,
                      OPC_FP));
        return;
    case 3: {   /* FMADD FMSUB FNMSUB FNMADD */
        unsigned a = fp_operand(p, dbl), b = fp_operand(p, dbl);
        unsigned c = fp_operand(p, dbl);
        put(p, r4_type(c, fmt, b, a, rm(), rd, 0x43 + 4 * pick(4)));
        return;
    }
    case 4: {   /* FSGNJ FSGNJN FSGNJX */
        unsigned a = fp_operand(p, dbl), b = fp_operand(p, dbl);
        put(p, r_type(0x04 << 2 | fmt, b, a, pick(3), rd, OPC_FP));
        return;
    }
    case 5: {   /* FMIN FMAX, one time in four of +0 or -0 and +0 or -0
                 * (the first two edge values), which the signs order */
        unsigned a, b;
        if (pick(4)) {
            a = fp_operand(p, dbl);
            b = fp_operand(p, dbl);
        } else {
            a = src();
            b = src();
            for (unsigned k = 0; k < 2; k++)
                put(p, i_type(dbl ? POOL_DOUBLE(pick(2)) : POOL_SINGLE(pick(2)),
                              BASE_REG, dbl ? 3 : 2, k ? b : a, 0x07));
        }
        put(p, r_type(0x05 << 2 | fmt, b, a, pick(2), rd, OPC_FP));
        return;
    }
    default:    /* FCVT.S.D (fmt S, rs2 1), FCVT.D.S (fmt D, rs2 0) */
        put(p, r_type(0x08 << 2 | fmt, !dbl, fp_operand(p, !dbl), rm(), rd,
                      OPC_FP));
        return;
    }
}

static void gen_fcvt(struct prog *p)
{
    bool dbl = pick(2);
    unsigned fmt = dbl;
    switch (pick(5)) {
    case 0:     /* FCVT.{W,WU,L,LU}.{S,D} */
        put(p, r_type(0x18 << 2 | fmt, pick(4), fp_operand(p, dbl), rm(),
                      dst(), OPC_FP));
        return;
    case 1:     /* FCVT.{S,D}.{W,WU,L,LU} */
        put(p, r_type(0x1a << 2 | fmt, pick(4), int_operand(p), rm(), src(),
                      OPC_FP));
        return;
    case 2:     /* FMV.X.W/D (funct3 0), FCLASS (1) */
        put(p, r_type(0x1c << 2 | fmt, 0, fp_operand(p, dbl), pick(2), dst(),
                      OPC_FP));
        return;
    case 3:     /* FMV.W.X, FMV.D.X */
        put(p, r_type(0x1e << 2 | fmt, 0, int_operand(p), 0, src(), OPC_FP));
        return;
    default: {  /* FLE FLT FEQ */
        unsigned a = fp_operand(p, dbl), b = fp_operand(p, dbl);
        put(p, r_type(0x14 << 2 | fmt, b, a, pick(3), dst(), OPC_FP));
        return;
    }
    }
}

static uint32_t csr_insn(unsigned csr, unsigned rs1, unsigned f3, unsigned rd)
{
    return i_type((int32_t)csr, rs1, f3, rd, OPC_SYSTEM);
}

/* The FP CSRs, read and written: frm only ever gets a valid mode (0-4),
 * so that the dynamic rounding mode never makes an op illegal. And the
 * counters cycle and instret, read: both engines must count exactly
 * (in a block, what the interpreter retired before it too). */
static void gen_fcsr(struct prog *p)
{
    unsigned csr = 1 + pick(3);
    switch (pick(10)) {
    case 9:     /* rdcycle, rdinstret */
        put(p, csr_insn(pick(2) ? CSR_CYCLE : CSR_INSTRET, 0, 2, dst()));
        return;
    case 0:     /* csrrwi frm, 0-4 */
        put(p, csr_insn(CSR_FRM, pick(5), 5, dst()));
        return;
    case 1:     /* csrrw frm, x = 0-4 */
        put(p, i_type((int32_t)pick(5), 0, 0, TMP_REG, OPC_IMM));
        put(p, csr_insn(CSR_FRM, TMP_REG, 1, dst()));
        return;
    case 2:     /* csrrs rd, csr, x0 and csrrsi rd, csr, 0: reads */
        put(p, csr_insn(csr, 0, pick(2) ? 2 : 6, dst()));
        return;
    case 3:     /* csrrw/csrrs/csrrc fflags, x */
        put(p, csr_insn(CSR_FFLAGS, src(), 1 + pick(3), dst()));
        return;
    case 4:     /* csrrwi/csrrsi/csrrci fflags, uimm */
        put(p, csr_insn(CSR_FFLAGS, pick(32), 5 + pick(3), dst()));
        return;
    case 5:     /* csrrwi fcsr, uimm (frm = 0) */
        put(p, csr_insn(CSR_FCSR, pick(32), 5, dst()));
        return;
    case 6:     /* csrrci fcsr/frm, uimm: frm keeps some of its bits */
        put(p, csr_insn(pick(2) ? CSR_FCSR : CSR_FRM,
                        pick(32), 7, dst()));
        return;
    case 7:     /* csrrw fcsr, x & 0x9f: frm 0 or 4 */
        put(p, i_type(0x9f, src(), 7, TMP_REG, OPC_IMM));
        put(p, csr_insn(CSR_FCSR, TMP_REG, 1, dst()));
        return;
    default:    /* csrrc fcsr, x: clears flags and frm bits, frm stays valid */
        put(p, csr_insn(CSR_FCSR, src(), 3, dst()));
        return;
    }
}

/* A compressed ALU instruction (of those with no base register or
 * branch offset); destinations never x0. */
static uint32_t rvc_insn(void)
{
    unsigned rd = 1 + pick(TMP_REG - 1), rs2 = 1 + pick(31);
    unsigned imm = pick(64), r3 = pick(8), s3 = pick(8);
    uint32_t hi = (imm >> 5) << 12, lo = (imm & 31) << 2;
    switch (pick(9)) {
    case 0: return 0x0001 | hi | rd << 7 | lo;          /* c.addi */
    case 1: return 0x2001 | hi | rd << 7 | lo;          /* c.addiw */
    case 2: return 0x4001 | hi | rd << 7 | lo;          /* c.li */
    case 3:                                             /* c.lui */
        return 0x6001 | 1u << 12 | (rd == 2 ? 3 : rd) << 7 | lo;
    case 4: return 0x0002 | hi | rd << 7 | lo;          /* c.slli */
    case 5: return 0x8002 | rd << 7 | rs2 << 2;         /* c.mv */
    case 6: return 0x9002 | rd << 7 | rs2 << 2;         /* c.add */
    case 7:     /* c.srli c.srai c.andi */
        return 0x8001 | hi | pick(3) << 10 | r3 << 7 | lo;
    default: {  /* c.sub c.xor c.or c.and, c.subw c.addw */
        unsigned w = pick(2);
        return 0x8c01 | w << 12 | r3 << 7 | pick(w ? 2 : 4) << 5 | s3 << 2;
    }
    }
}

/* Two compressed instructions around a 32-bit one, which so starts at
 * 2 mod 4. */
static void gen_rvc(struct prog *p)
{
    uint32_t mid = base_rr_insn(src());
    put(p, rvc_insn() | mid << 16);
    put(p, mid >> 16 | rvc_insn() << 16);
}

static void gen_unit(struct prog *p, unsigned kinds);

/* A branch, JAL or JALR (through AUIPC) over the next unit, whose length
 * is known only once it is made: room is left for it, filled after. Each
 * target is where a block may start. */
static void gen_flow(struct prog *p, unsigned kinds)
{
    unsigned at = p->n, how = pick(8);
    unsigned len = how == 7 ? 2 : 1;
    p->n += len;
    gen_unit(p, kinds & ~(1u << U_FLOW));
    unsigned next = p->n - at - len;
    int32_t skip = 4 * (int32_t)(next + 1);
    static const unsigned f3[] = {0, 1, 4, 5, 6, 7};
    if (how < 6) {      /* x0 one time in eight on either side */
        p->w[at] = b_type(skip, pick(8) ? src() : 0, pick(8) ? src() : 0,
                          f3[how]);
    } else if (how == 6) {     /* over the unit, or into it */
        p->w[at] = j_type(pick(2) ? skip : 4, dst());
    } else {
        p->w[at] = u_type(0, TMP_REG, 0x17);                 /* auipc */
        p->w[at + 1] = i_type(skip + 4, TMP_REG, 0, dst(), 0x67);
    }
}

/* A call (JAL linking in ra or t0) of a routine made of the next unit,
 * which keeps its link below the data page, where no unit writes, and
 * returns through it. One routine in four, on odd turns of the loop,
 * returns past what the call returns to (a jump over the routine), so
 * that the same return goes back to where it was called from, then not. */
static void gen_call(struct prog *p, unsigned kinds)
{
    unsigned link = pick(2) ? 1 : 5;
    unsigned at = p->n;
    put(p, j_type(8, link));
    p->n++;     /* j over, once its length is known */
    put(p, s_type(LINK_SLOT, link, BASE_REG, 3));
    gen_unit(p, kinds & ~(1u << U_CALL));
    put(p, i_type(LINK_SLOT, BASE_REG, 3, link, 0x03));
    if (pick(4) == 0) {     /* link += odd turn ? the jump's length : 0 */
        put(p, i_type(1, LOOP_REG, 7, TMP_REG, OPC_IMM));       /* andi */
        put(p, r_type(0x20, TMP_REG, 0, 0, TMP_REG, OPC_REG));  /* neg */
        put(p, i_type(4 * (int32_t)(p->n + 3 - (at + 1)), TMP_REG, 7,
                      TMP_REG, OPC_IMM));                       /* andi */
        put(p, r_type(0, TMP_REG, link, 0, link, OPC_REG));     /* add */
    }
    put(p, i_type(0, link, 0, 0, 0x67));
    p->w[at + 1] = j_type(4 * (int32_t)(p->n - (at + 1)), 0);
}

static void gen_unit(struct prog *p, unsigned kinds)
{
    unsigned k;
    do
        k = pick(U_KINDS);
    while (!(kinds & 1u << k));
    switch (k) {
    case U_INT: gen_int(p); return;
    case U_M: gen_m(p); return;
    case U_ZB: gen_zb(p); return;
    case U_AMO: gen_amo(p); return;
    case U_FMEM: gen_fmem(p); return;
    case U_FARITH: gen_farith(p); return;
    case U_FCVT: gen_fcvt(p); return;
    case U_FCSR: gen_fcsr(p); return;
    case U_RVC: gen_rvc(p); return;
    case U_CALL: gen_call(p, kinds); return;
    default: gen_flow(p, kinds); return;
    }
}

/* A test's programs: units of kinds, looped over loops times (a block is
 * made where a jump lands the second time); no_bmi2: translated as for a
 * host without BMI2's shifts. */
struct config {
    const char *name;
    unsigned kinds, units, loops, first_seed, seeds;
    bool no_bmi2;
};

/* Write the program for seed: x30 counts a loop over the units, then it
 * spins on `j .`. */
static void make_program(const struct config *c, unsigned seed,
                         struct prog *p)
{
    srand(seed);
    p->n = 0;
    put(p, i_type((int32_t)c->loops, 0, 0, LOOP_REG, OPC_IMM));
    unsigned top = p->n;
    for (unsigned k = 0; k < c->units; k++)
        gen_unit(p, c->kinds);
    put(p, i_type(-1, LOOP_REG, 0, LOOP_REG, OPC_IMM));
    put(p, b_type(-4 * (int32_t)(p->n - top), 0, LOOP_REG, 1));     /* bnez */
    put(p, j_type(0, 0));
}

/* The state both runs start from. */
struct start {
    uint64_t x[32], f[32], mstatus;
    uint32_t frm, fflags;
    uint8_t data[4096];
};

static void make_start(struct start *s)
{
    for (int i = 0; i < 32; i++)
        s->x[i] = pick(3) ? int_edges[pick(COUNT(int_edges))] : rand64();
    s->x[0] = 0;
    s->x[TMP_REG] = DATA;
    s->x[BASE_REG] = DATA;
    for (int i = 0; i < 32; i++) {
        uint64_t single = single_edges[pick(COUNT(single_edges))];
        switch (pick(5)) {
        case 0: s->f[i] = BOX | single; break;
        case 1: s->f[i] = double_edges[pick(COUNT(double_edges))]; break;
        case 2: s->f[i] = (rand64() << 32 & ~(1ull << 63)) | single; break;
        default: s->f[i] = rand64(); break;   /* a NaN-boxed one, rarely */
        }
    }
    s->frm = pick(5);
    s->fflags = pick(32);
    /* FS Initial or Clean: whether an op makes it Dirty is compared */
    s->mstatus = (1 + pick(2)) << MSTATUS_FS_SHIFT;
    for (int i = 0; i < 4096; i++)
        s->data[i] = (uint8_t)rand();
}

static void start(struct hart *h, const struct start *s)
{
    memcpy(h->x, s->x, sizeof s->x);
    memcpy(h->f, s->f, sizeof s->f);
    h->frm = s->frm;
    h->fflags = s->fflags;
    h->mstatus = s->mstatus;
    h->mtvec = TRAP;
    h->mcause = 0;
    h->resv_valid = false;
    h->instret = 0;         /* the counters count this program only */
    h->cycle_offset = 0;
    h->pc = CODE;
    memcpy(bus_ram_ptr(&m->bus, DATA, 4096), s->data, 4096);
    icache_flush(h);
    tlb_flush(h);
    hart_mode_changed(h);
}

/* Run to the spin (or into the trap vector: no program should trap). */
static void run(struct hart *h, uint64_t spin)
{
    for (int i = 0; i < 20000 && h->pc != spin && h->pc != TRAP; i++)
        hart_exec(h, 1000);
}

/* Decode the instruction at byte off of p; returns its length. */
static unsigned decode_at(const struct prog *p, unsigned off, struct insn *in)
{
    uint32_t raw = 0;
    memcpy(&raw, (const uint8_t *)p->w + off, off + 4 <= 4 * p->n ? 4 : 2);
    rv_decode(raw, in);
    return in->len;
}

static void listing(const struct prog *p)
{
    struct insn in;
    for (unsigned off = 0; off < 4 * p->n; off += in.len) {
        decode_at(p, off, &in);
        print_message("  %#llx: %08x %-10s rd %2u rs1 %2u rs2 %2u rs3 %2u "
                      "rm %u imm %d\n",
                      (unsigned long long)(CODE + off), in.raw,
                      rv_op_name(in.op), in.rd, in.rs1, in.rs2, in.rs3, in.rm,
                      in.imm);
    }
}

/* what (with index unless it is negative) differs: a interpreted, b
 * translated. */
static void check_equal(const struct prog *p, unsigned seed, const char *what,
                        int index, uint64_t a, uint64_t b)
{
    if (a == b)
        return;
    char name[32];
    if (index >= 0)
        snprintf(name, sizeof name, "%s%d", what, index);
    else
        snprintf(name, sizeof name, "%s", what);
    listing(p);
    fail_msg("seed %u: %s interpreted %#llx, translated %#llx", seed, name,
             (unsigned long long)a, (unsigned long long)b);
}

static void run_both(const struct config *c, unsigned seed)
{
    static struct prog p;
    static struct start s;
    static uint8_t after_interp[4096];
    make_program(c, seed, &p);
    make_start(&s);
    memcpy(bus_ram_ptr(&m->bus, CODE, 4 * p.n), p.w, 4 * p.n);
    uint32_t spin_insn = j_type(0, 0);
    memcpy(bus_ram_ptr(&m->bus, TRAP, 4), &spin_insn, 4);
    uint64_t spin = CODE + 4 * (p.n - 1);
    uint8_t *data = bus_ram_ptr(&m->bus, DATA, 4096);

    start(interp, &s);
    run(interp, spin);
    if (interp->pc != spin) {
        listing(&p);
        fail_msg("seed %u: interpreted, pc %#llx, mcause %llu, mepc %#llx",
                 seed, (unsigned long long)interp->pc,
                 (unsigned long long)interp->mcause,
                 (unsigned long long)interp->mepc);
    }
    memcpy(after_interp, data, sizeof after_interp);

    start(jit, &s);
    run(jit, spin);
    check_equal(&p, seed, "pc", -1, interp->pc, jit->pc);
    for (int r = 0; r < 32; r++)
        check_equal(&p, seed, "x", r, interp->x[r], jit->x[r]);
    for (int r = 0; r < 32; r++)
        check_equal(&p, seed, "f", r, interp->f[r], jit->f[r]);
    check_equal(&p, seed, "fflags", -1, interp->fflags, jit->fflags);
    check_equal(&p, seed, "frm", -1, interp->frm, jit->frm);
    check_equal(&p, seed, "mstatus", -1, interp->mstatus, jit->mstatus);
    for (int i = 0; i < 4096; i += 8) {
        uint64_t a, b;
        memcpy(&a, after_interp + i, 8);
        memcpy(&b, data + i, 8);
        check_equal(&p, seed, "data byte ", i, a, b);
    }
}

#define K(kind) (1u << (kind))
#define ALL_KINDS (K(U_KINDS) - 1)
#define FP_KINDS (K(U_FMEM) | K(U_FARITH) | K(U_FCVT) | K(U_FCSR))
#define BASE_KINDS (K(U_INT) | K(U_RVC) | K(U_FLOW) | K(U_CALL))

static const struct config configs[] = {
    {"base", BASE_KINDS, 40, 3, 1, 500, false},
    {"base_loops", BASE_KINDS, 12, 20, 1000, 200, false},
    {"m", K(U_M) | K(U_INT) | K(U_FLOW), 40, 3, 2000, 800, false},
    {"zb", K(U_ZB) | K(U_INT) | K(U_FLOW), 40, 3, 3000, 800, false},
    {"atomics", K(U_AMO) | K(U_INT) | K(U_FLOW), 30, 3, 4000, 600, false},
    {"fp", FP_KINDS | K(U_FLOW), 40, 3, 5000, 1200, false},
    {"mixed", ALL_KINDS, 40, 3, 7000, 800, false},
    {"mixed_loops", ALL_KINDS, 12, 20, 8000, 200, false},
    {"base_no_bmi2", BASE_KINDS | K(U_M) | K(U_ZB), 40, 3, 9000, 300, true},
};

/* One test per config, which is its state. */
static void test_config(void **state)
{
    const struct config *c = *state;
    bool bmi2 = jit->jit->bmi2;
    if (c->no_bmi2)
        jit->jit->bmi2 = false;
    for (unsigned seed = c->first_seed; seed < c->first_seed + c->seeds;
         seed++)
        run_both(c, seed);
    jit->jit->bmi2 = bmi2;
}

/* The programs above hold every op but the ones that trap, wait or
 * change mode or the icache (FENCE.I: test_jit.c). */
static void test_every_op_generated(void **state)
{
    (void)state;
    static struct prog p;
    bool seen[OP_COUNT] = {0};
    for (unsigned k = 0; k < COUNT(configs); k++) {
        const struct config *c = &configs[k];
        for (unsigned seed = c->first_seed; seed < c->first_seed + c->seeds;
             seed++) {
            make_program(c, seed, &p);
            for (unsigned off = 0; off < 4 * p.n;) {
                struct insn in;
                off += decode_at(&p, off, &in);
                seen[in.op] = true;
            }
        }
    }
    static const unsigned never[] = {
        OP_ILLEGAL, OP_FENCE_I, OP_ECALL, OP_EBREAK, OP_MRET, OP_SRET,
        OP_WFI, OP_SFENCE_VMA,
    };
    for (unsigned i = 0; i < COUNT(never); i++) {
        assert_false(seen[never[i]]);
        seen[never[i]] = true;
    }
    for (unsigned op = 0; op < OP_COUNT; op++)
        if (!seen[op])
            fail_msg("no program has %s", rv_op_name(op));
}

int main(void)
{
    struct CMUnitTest tests[1 + COUNT(configs)] = {
        cmocka_unit_test(test_every_op_generated),
    };
    for (unsigned k = 0; k < COUNT(configs); k++)
        tests[1 + k] = (struct CMUnitTest){
            .name = configs[k].name, .test_func = test_config,
            .initial_state = (void *)&configs[k],
        };
    return cmocka_run_group_tests(tests, setup, teardown);
}
