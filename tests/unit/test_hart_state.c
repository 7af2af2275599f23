/* Hart state records (vm/rv/hart_state.c), through the engines' save and
 * load. A hand-made program runs partway (registers, FP with a rounding
 * mode, CSRs, an LR); the hart is saved with a copy of RAM, runs on to
 * the end, and a fresh hart loaded from the record on the saved RAM must
 * end in the same state, record for record and byte for byte of RAM, its
 * SC succeeding as the first one's did. Under both engines. Then every
 * kind of bad record (damaged, of another hart, of another version,
 * holding a value the hart could not reach) is refused with a message and
 * changes nothing, and every byte of a record changed is taken whole or
 * not at all (test_state.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/err.h"
#include "base/rec.h"
#include "base/util.h"
#include "vm/bus.h"
#include "vm/riscv/board.h"
#include "vm/rv/engine.h"
#include "vm/rv/jit.h"
#include "test_rv_encode.h"
#include "test_state.h"

#define RAM BOARD_RAM_BASE
#define RAM_SIZE 0x10000u
#define CODE RAM
#define MID (CODE + 23 * 4)     /* where the hart is saved */
#define END (CODE + 47 * 4)     /* where both stop */
#define HANDLER (CODE + 0x400)  /* mtvec */
#define SUB (CODE + 0x600)      /* a loop, called in both halves */
#define DATA (RAM + 0x8000)     /* x10 */

enum { MSCRATCH = 0x340, MTVEC = 0x305, STVEC = 0x105, SATP = 0x180,
       MSTATUS = 0x300, FRM = 0x002, FFLAGS = 0x001, MEDELEG = 0x302,
       MINSTRET = 0xb02, MCYCLE = 0xb00, MEPC = 0x341, MCAUSE = 0x342,
       SSCRATCH = 0x140 };

#define ADDI(rd, rs1, imm) i_type(imm, rs1, 0, rd, 0x13)
#define SLLI(rd, rs1, sh) i_type(sh, rs1, 1, rd, 0x13)
#define ADD(rd, rs1, rs2) r_type(0, rs2, rs1, 0, rd, 0x33)
#define LUI(rd, imm) u_type(imm, rd, 0x37)
#define AUIPC(rd, imm) u_type(imm, rd, 0x17)
#define LD(rd, rs1, off) i_type(off, rs1, 3, rd, 0x03)
#define SD(rs2, rs1, off) s_type(off, rs2, rs1, 3)
#define BNE(rs1, rs2, off) b_type(off, rs2, rs1, 1)
#define JAL(rd, off) j_type(off, rd)
#define JALR(rd, rs1) i_type(0, rs1, 0, rd, 0x67)
#define CSRRW(rd, csr, rs1) i_type(csr, rs1, 1, rd, 0x73)
#define CSRRS(rd, csr, rs1) i_type(csr, rs1, 2, rd, 0x73)
#define CSRRC(rd, csr, rs1) i_type(csr, rs1, 3, rd, 0x73)
#define CSRRWI(rd, csr, imm) i_type(csr, imm, 5, rd, 0x73)
#define LR_D(rd, rs1) r_type(0x08, 0, rs1, 3, rd, 0x2f)
#define SC_D(rd, rs2, rs1) r_type(0x0c, rs2, rs1, 3, rd, 0x2f)
#define FCVT_D_L(rd, rs1) r_type(0x69, 2, rs1, 7, rd, 0x53)
#define FDIV_D(rd, rs1, rs2) r_type(0x0d, rs2, rs1, 7, rd, 0x53)
#define FMV_X_D(rd, rs1) r_type(0x71, 0, rs1, 0, rd, 0x53)
#define ECALL 0x00000073u
#define MRET 0x30200073u

/* What the harts see: RAM, a clock, no devices. */
static struct bus bus;
static struct vm_clock mtime;
static atomic_int ending;
static atomic_bool pausing;
static struct hart_env env = {.bus = &bus, .clock = &mtime,
                              .ending = &ending, .pausing = &pausing};
static const struct engine_ops *engine;    /* runs the harts of a test */

static void put(uint64_t pa, const uint32_t *code, size_t size)
{
    memcpy(bus_ram_ptr(&bus, pa, size), code, size);
}

/* The program, run in M-mode from CODE; a comment says what its
 * instruction leaves. */
static void put_program(void)
{
    const uint32_t program[] = {
        AUIPC(10, 8),               /* x10 = DATA */
        ADDI(5, 0, 1234),
        ADDI(6, 0, -7),
        SLLI(7, 5, 40),
        CSRRW(0, MSCRATCH, 7),
        AUIPC(8, 0),
        ADDI(8, 8, 0x400 - 5 * 4),  /* x8 = HANDLER */
        CSRRW(0, MTVEC, 8),
        ADDI(9, 8, 0x101),
        CSRRW(0, STVEC, 9),         /* vectored */
        CSRRW(0, SATP, 0),          /* Bare */
        LUI(11, 6),
        CSRRS(0, MSTATUS, 11),      /* FS dirty */
        CSRRWI(0, FRM, 2),          /* round down */
        FCVT_D_L(1, 5),
        FCVT_D_L(2, 6),
        FDIV_D(3, 1, 2),            /* inexact: fflags.NX */
        ADDI(12, 0, 0x100),
        CSRRW(0, MEDELEG, 12),
        SD(5, 10, 0),
        LR_D(13, 10),               /* reserves DATA */
        JAL(1, 0x600 - 21 * 4),     /* SUB */
        CSRRS(14, MSCRATCH, 0),     /* ends the slice at MID */
        /* MID */
        SC_D(15, 6, 10),            /* succeeds: x15 = 0 */
        SC_D(16, 5, 10),            /* fails: x16 = 1 */
        FDIV_D(4, 2, 1),            /* rounded down */
        FMV_X_D(17, 4),
        CSRRS(18, FFLAGS, 0),
        ECALL,                      /* from M, to HANDLER and back */
        JAL(1, 0x600 - 29 * 4),
        CSRRS(19, MINSTRET, 0),
        CSRRS(20, MCYCLE, 0),
        LD(21, 10, 0),
        LUI(22, 1),
        ADDI(22, 22, -2048),        /* x22 = MPP S */
        LUI(23, 2),
        ADDI(23, 23, -2048),        /* x23 = MPP */
        CSRRC(0, MSTATUS, 23),
        CSRRS(0, MSTATUS, 22),
        AUIPC(24, 0),
        ADDI(24, 24, 4 * 4),
        CSRRW(0, MEPC, 24),
        MRET,                       /* to S-mode, the next instruction */
        ADDI(25, 0, 77),
        CSRRW(0, SSCRATCH, 25),
        ECALL,                      /* from S (not delegated): HANDLER */
        CSRRS(0, SSCRATCH, 0),      /* ends the slice at END */
        /* END */
        JAL(0, 0),
    };

    const uint32_t handler[] = {
        CSRRS(26, MCAUSE, 0),
        CSRRS(27, MEPC, 0),
        ADDI(27, 27, 4),
        CSRRW(0, MEPC, 27),
        ADDI(28, 28, 1),            /* counts traps */
        MRET,
    };

    /* 20 rounds of loads, arithmetic and stores: translated under the
     * JIT. */
    const uint32_t sub[] = {
        ADDI(29, 0, 20),
        LD(30, 10, 0),
        ADD(31, 31, 30),
        ADDI(31, 31, 3),
        SD(31, 10, 8),
        ADDI(29, 29, -1),
        BNE(29, 0, -4 * 4),
        JALR(0, 1),
    };
    assert_int_equal(CODE + sizeof program - 4, END);
    put(CODE, program, sizeof program);
    put(HANDLER, handler, sizeof handler);
    put(SUB, sub, sizeof sub);
}

static int setup(void **state)
{
    (void)state;
    atomic_init(&ending, -1);
    mtime.origin_ns = now_ns();
    bus.ram_base = RAM;
    bus.ram_size = RAM_SIZE;
    bus.ram = calloc(1, RAM_SIZE);
    assert_non_null(bus.ram);
    engine = engine_ops(ENGINE_INTERP);
    put_program();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(bus.ram);
    return 0;
}

static void free_hart(struct hart *h)
{
    engine->destroy(h);
    free(h);
}

/* A fresh hart of the test's engine; NULL, after saying why, where this
 * host cannot run that engine. */
static struct hart *new_hart(unsigned id)
{
    struct hart *h = calloc(1, sizeof *h);
    assert_non_null(h);
    struct err e = {0};
    int r = engine->init(h, &env, id, &e);
    assert_int_not_equal(r, -1);
    if (r == 1) {
        print_message("%s engine not tested: %s\n", engine->name, e.msg);
        free_hart(h);
        return NULL;
    }
    return h;
}

/* Run h until its pc is at (a slice ends there), within a bound. */
static void run_to(struct hart *h, uint64_t at)
{
    for (unsigned i = 0; i < 200 && h->pc != at; i++)
        engine->run(h, 64);
    assert_int_equal(h->pc, at);
}

/* The hart test_state.h's saves and loads go to; what it shows outside
 * its record is mip (MSIP, which the CLINT's record holds). */
static struct hart *dut;

static void dut_save(struct rec_out *o)
{
    engine->save(dut, o);
}

static int dut_load(struct rec_in *in, struct err *e)
{
    return engine->load(dut, in, e);
}

static uint64_t dut_mip(void)
{
    return atomic_load(&dut->mip);
}

static void save(struct hart *h, struct rec_out *o)
{
    dut = h;
    state_save(dut_save, o);
}

static int load(struct hart *h, const struct rec_out *r, struct err *e)
{
    dut = h;
    return state_load(dut_load, r->buf, r->len, e);
}

static void assert_same(const struct rec_out *a, const struct rec_out *b)
{
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->buf, b->buf, a->len);
}

/* What the program leaves at END, whichever hart ran its second half. */
static void check_end(const struct hart *h)
{
    assert_int_equal(h->priv, PRV_S);
    assert_int_equal(h->x[15], 0);              /* the SC after the LR */
    assert_int_equal(h->x[16], 1);              /* the SC after that */
    assert_int_equal(h->x[21], (uint64_t)-7);   /* what the SC stored */
    assert_int_equal(h->x[14], 1234ull << 40);
    assert_int_equal(h->x[26], EXC_ECALL_S);
    assert_int_equal(h->x[28], 2);
    assert_int_equal(h->x[18], FFLAG_NX);
    assert_int_equal(h->sscratch, 77);
    assert_false(h->resv_valid);
}

static void test_resume(enum engine which)
{
    engine = engine_ops(which);
    struct hart *a = new_hart(0);
    if (!a)
        skip();
    a->pc = CODE;
    run_to(a, MID);
    assert_true(a->resv_valid);
    struct rec_out mid, end, again;
    save(a, &mid);
    uint8_t *ram_mid = malloc(RAM_SIZE), *ram_end = malloc(RAM_SIZE);
    assert_non_null(ram_mid);
    assert_non_null(ram_end);
    memcpy(ram_mid, bus.ram, RAM_SIZE);
    run_to(a, END);
    check_end(a);
    save(a, &end);
    memcpy(ram_end, bus.ram, RAM_SIZE);

    /* A fresh hart from the record, on the RAM as it was. */
    memcpy(bus.ram, ram_mid, RAM_SIZE);
    struct hart *b = new_hart(0);
    struct err e = {0};
    assert_int_equal(load(b, &mid, &e), 0);
    save(b, &again);
    assert_same(&mid, &again);
    rec_out_free(&again);
    assert_int_equal(b->pc, MID);
    run_to(b, END);
    check_end(b);
    /* Under the translator, the loop ran as a block. */
    assert_true(which == ENGINE_INTERP || b->jit->used > b->jit->base);
    save(b, &again);
    assert_same(&end, &again);
    rec_out_free(&again);
    assert_memory_equal(bus.ram, ram_end, RAM_SIZE);

    /* The same into the hart that ran on: its caches go. */
    memcpy(bus.ram, ram_mid, RAM_SIZE);
    assert_int_equal(load(a, &mid, &e), 0);
    run_to(a, END);
    save(a, &again);
    assert_same(&end, &again);
    assert_memory_equal(bus.ram, ram_end, RAM_SIZE);

    rec_out_free(&again);
    rec_out_free(&mid);
    rec_out_free(&end);
    free(ram_mid);
    free(ram_end);
    free_hart(a);
    free_hart(b);
}

static void test_resume_interpreted(void **state)
{
    (void)state;
    test_resume(ENGINE_INTERP);
}

static void test_resume_translated(void **state)
{
    (void)state;
    test_resume(ENGINE_JIT);
}

/* mip.MSIP is the CLINT's: not saved, and a load leaves it as it is. */
static void test_msip_stays(void **state)
{
    (void)state;
    struct hart *a = new_hart(0), *b = new_hart(0);
    atomic_store(&a->mip, MIP_MSIP | MIP_SSIP | MIP_MEIP);
    struct rec_out r;
    save(a, &r);
    atomic_store(&b->mip, MIP_MSIP | MIP_STIP);
    assert_int_equal(load(b, &r, NULL), 0);
    assert_int_equal(atomic_load(&b->mip), MIP_MSIP | MIP_SSIP | MIP_MEIP);
    atomic_store(&b->mip, MIP_SEIP);
    assert_int_equal(load(b, &r, NULL), 0);
    assert_int_equal(atomic_load(&b->mip), MIP_SSIP | MIP_MEIP);
    rec_out_free(&r);
    free_hart(a);
    free_hart(b);
}

/* Loading buf into h fails with msg and leaves h as it was. */
static void expect_refused(struct hart *h, const void *buf, size_t len,
                           const char *msg)
{
    dut = h;
    state_expect_refused(dut_save, dut_load, dut_mip, buf, len, msg);
}

/* The record of src is refused by h with msg. */
static void expect_state_refused(struct hart *h, struct hart *src,
                                 const char *msg)
{
    struct rec_out r;
    save(src, &r);
    expect_refused(h, r.buf, r.len, msg);
    rec_out_free(&r);
}

/* The first n bytes of r's payload (no more than it has) as a record of
 * this name and version, checksummed. */
static void rewrap(const struct rec_out *r, const char *name,
                   uint32_t version, size_t n, struct rec_out *o)
{
    size_t have = r->len - REC_HEADER_SIZE - REC_TRAILER_SIZE;
    *o = (struct rec_out){0};
    rec_begin(o, name, version);
    rec_bytes(o, r->buf + REC_HEADER_SIZE, n < have ? n : have);
    if (n > have)
        rec_u8(o, 0);
    rec_end(o);
}

static void test_bad_records(void **state)
{
    (void)state;
    struct hart *h = new_hart(0), *src = new_hart(0), *other = new_hart(1);
    h->pc = CODE;
    run_to(h, MID);     /* h holds a state of its own */
    struct rec_out r, w;
    save(src, &r);
    size_t payload = r.len - REC_HEADER_SIZE - REC_TRAILER_SIZE;

    expect_refused(h, r.buf, r.len - 1,
                   "state of hart0: record of 1333 bytes runs past the end");
    r.buf[REC_HEADER_SIZE] ^= 1;
    expect_refused(h, r.buf, r.len, "state of hart0: checksum mismatch");
    r.buf[REC_HEADER_SIZE] ^= 1;
    rewrap(&r, "hart0", 2, payload, &w);
    expect_refused(h, w.buf, w.len,
                   "state of hart0: version 2 (this build reads 1-1)");
    rec_out_free(&w);
    rewrap(&r, "hart0", 1, payload - 1, &w);
    expect_refused(h, w.buf, w.len, "state of hart0: truncated record");
    rec_out_free(&w);
    rewrap(&r, "hart0", 1, payload + 1, &w);
    expect_refused(h, w.buf, w.len, "state of hart0: 1 bytes left unread");
    rec_out_free(&w);
    expect_state_refused(h, other,
                         "state of hart0: found a record named \"hart1\"");

    src->priv = 2;
    expect_state_refused(h, src, "state of hart0: privilege mode 2");
    src->priv = PRV_M;
    atomic_store(&src->hsm_state, 3);
    expect_state_refused(h, src, "state of hart0: HSM state 3");
    atomic_store(&src->hsm_state, HSM_STOPPED);
    src->pc = CODE + 1;
    expect_state_refused(h, src, "state of hart0: pc holds 0x80000001");
    src->pc = CODE;
    src->mstatus = 2ull << MSTATUS_MPP_SHIFT;
    expect_state_refused(h, src, "state of hart0: mstatus.MPP holds 2");
    src->mstatus = MSTATUS_UXL;
    expect_state_refused(h, src, "state of hart0: mstatus holds 0x300000000");
    src->mstatus = 0;
    src->satp = 5ull << 60;
    expect_state_refused(h, src, "state of hart0: satp mode 5");
    src->satp = 0;
    src->mtvec = 2;
    expect_state_refused(h, src, "state of hart0: mtvec holds 0x2");
    src->mtvec = 0;
    src->pmpaddr[3] = 1ull << 60;
    expect_state_refused(h, src,
                         "state of hart0: pmpaddr3 holds 0x1000000000000000");
    src->pmpaddr[3] = 0;
    src->fflags = 0x20;
    expect_state_refused(h, src, "state of hart0: fflags holds 0x20");
    src->fflags = 0;
    src->frm = 8;
    expect_state_refused(h, src, "state of hart0: frm holds 8");
    src->frm = 0;
    src->misa &= ~(1ull << 2);
    expect_state_refused(h, src, "state of hart0: misa 0x8000000000141129 "
                         "(this hart's is 0x800000000014112d)");
    src->misa = h->misa;
    atomic_store(&src->mip, 1);
    expect_state_refused(h, src, "state of hart0: mip holds 0x1");
    atomic_store(&src->mip, 0);
    src->resv_valid = true;
    src->resv_addr = (uintptr_t)bus.ram + RAM_SIZE;
    expect_state_refused(h, src, "state of hart0: reservation at 0x80010000, "
                         "not a word of RAM");
    src->resv_addr = (uintptr_t)bus.ram + 2;
    expect_state_refused(h, src, "state of hart0: reservation at 0x80000002, "
                         "not a word of RAM");
    src->resv_valid = false;

    /* The fields put back: src's record loads. */
    assert_int_equal(load(h, &r, NULL), 0);
    rec_out_free(&r);
    free_hart(h);
    free_hart(src);
    free_hart(other);
}

/* Every byte of the record of a hart halfway through the program (a
 * reservation held, FP on, CSRs set) set to a few values: each record is
 * taken whole, to be saved back as it is, or refused with nothing changed. */
static void test_every_byte(void **state)
{
    (void)state;
    struct hart *h = new_hart(0);
    h->pc = CODE;
    run_to(h, MID);
    struct rec_out good;
    save(h, &good);
    dut = h;
    assert_true(state_check_every_byte(dut_save, dut_load, dut_mip, &good));
    rec_out_free(&good);
    free_hart(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_resume_interpreted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_resume_translated, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_msip_stays, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_byte, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
