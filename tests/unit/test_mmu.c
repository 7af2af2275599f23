/* MMU: Sv39/Sv48 walks over page tables built by hand in a fake guest
 * RAM: leaf permissions, SUM/MXR, U pages, superpage alignment, canonical
 * addresses, hardware A/D updates, access faults on tables outside RAM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vm/machine.h"
#include "vm/rv/cpu.h"

#define RAM (BOARD_RAM_BASE)
#define V (1ull << 0)
#define R (1ull << 1)
#define W (1ull << 2)
#define X (1ull << 3)
#define U (1ull << 4)
#define A (1ull << 6)
#define D (1ull << 7)

static struct machine *m;
static struct hart *h;

static uint64_t *pte_at(uint64_t pa)
{
    return (uint64_t *)bus_ram_ptr(&m->bus, pa, 8);
}

static uint64_t pte(uint64_t pa, uint64_t flags)
{
    return ((pa >> 12) << 10) | flags;
}

/* Tables: root at RAM+0x1000, next levels at +0x2000, +0x3000, +0x4000. */
static int setup(void **state)
{
    (void)state;
    m = calloc(1, sizeof *m);
    m->bus.ram_base = RAM;
    m->bus.ram_size = 1 << 24;
    m->bus.ram = calloc(1, m->bus.ram_size);
    m->nharts = 1;
    h = calloc(1, sizeof *h);
    struct hart_env env = machine_hart_env(m);
    assert_int_equal(hart_init(h, &env, false, 0, 0), 0);
    h->priv = PRV_S;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hart_destroy(h);
    free(h);
    free(m->bus.ram);
    free(m);
    return 0;
}

/* Sv39: va 0x401000 -> RAM+0x10000 through root[0] -> L1[2] -> L0[1]. */
static void map_sv39(uint64_t leaf_flags)
{
    memset(m->bus.ram, 0, 0x10000);
    *pte_at(RAM + 0x1000) = pte(RAM + 0x2000, V);
    *pte_at(RAM + 0x2000 + 2 * 8) = pte(RAM + 0x3000, V);
    *pte_at(RAM + 0x3000 + 1 * 8) = pte(RAM + 0x10000, leaf_flags);
    h->satp = (8ull << 60) | ((RAM + 0x1000) >> 12);
}

static void test_sv39_basic(void **state)
{
    (void)state;
    uint64_t pa;
    map_sv39(V | R | W);
    assert_true(mmu_translate(h, 0x401234, TLB_R, PRV_S, &pa));
    assert_int_equal(pa, RAM + 0x10234);
    uint64_t leaf = *pte_at(RAM + 0x3008);
    assert_true(leaf & A);
    assert_false(leaf & D);
    assert_true(mmu_translate(h, 0x401234, TLB_W, PRV_S, &pa));
    assert_true(*pte_at(RAM + 0x3008) & D);
    /* no X: fetch faults with the address in tval */
    assert_false(mmu_translate(h, 0x401000, TLB_X, PRV_S, &pa));
    assert_int_equal(h->exc_cause, EXC_INSN_PAGE);
    assert_int_equal(h->exc_tval, 0x401000);
    /* unmapped neighbour */
    assert_false(mmu_translate(h, 0x402000, TLB_R, PRV_S, &pa));
    assert_int_equal(h->exc_cause, EXC_LOAD_PAGE);
}

static void test_permissions(void **state)
{
    (void)state;
    uint64_t pa;
    map_sv39(V | R | U);
    assert_true(mmu_translate(h, 0x401000, TLB_R, PRV_U, &pa));
    assert_false(mmu_translate(h, 0x401000, TLB_W, PRV_U, &pa));
    assert_int_equal(h->exc_cause, EXC_STORE_PAGE);
    /* S may not touch U pages without SUM */
    assert_false(mmu_translate(h, 0x401000, TLB_R, PRV_S, &pa));
    h->mstatus |= MSTATUS_SUM;
    assert_true(mmu_translate(h, 0x401000, TLB_R, PRV_S, &pa));
    h->mstatus &= ~MSTATUS_SUM;
    /* X-only page: readable only with MXR */
    map_sv39(V | X);
    assert_false(mmu_translate(h, 0x401000, TLB_R, PRV_S, &pa));
    h->mstatus |= MSTATUS_MXR;
    assert_true(mmu_translate(h, 0x401000, TLB_R, PRV_S, &pa));
    h->mstatus &= ~MSTATUS_MXR;
    /* S page from U */
    map_sv39(V | R | W | X);
    assert_false(mmu_translate(h, 0x401000, TLB_X, PRV_U, &pa));
    /* W without R is reserved */
    map_sv39(V | W);
    assert_false(mmu_translate(h, 0x401000, TLB_W, PRV_S, &pa));
    assert_int_equal(h->exc_cause, EXC_STORE_PAGE);
    /* reserved high bits (PBMT/N) fault */
    map_sv39(V | R | (1ull << 61));
    assert_false(mmu_translate(h, 0x401000, TLB_R, PRV_S, &pa));
}

static void test_superpages(void **state)
{
    (void)state;
    uint64_t pa;
    memset(m->bus.ram, 0, 0x10000);
    h->satp = (8ull << 60) | ((RAM + 0x1000) >> 12);
    /* 1 GiB page at va 2 GiB -> RAM (aligned) */
    *pte_at(RAM + 0x1000 + 2 * 8) = pte(RAM, V | R | W | X);
    assert_true(mmu_translate(h, 0x80123456, TLB_R, PRV_S, &pa));
    assert_int_equal(pa, RAM + 0x123456);
    /* 2 MiB page with a misaligned PPN is reserved: page fault */
    *pte_at(RAM + 0x1000) = pte(RAM + 0x2000, V);
    *pte_at(RAM + 0x2000) = pte(RAM + 0x1000, V | R);
    assert_false(mmu_translate(h, 0x1000, TLB_R, PRV_S, &pa));
    assert_int_equal(h->exc_cause, EXC_LOAD_PAGE);
    *pte_at(RAM + 0x2000) = pte(RAM + 0x200000, V | R);
    assert_true(mmu_translate(h, 0x1abc, TLB_R, PRV_S, &pa));
    assert_int_equal(pa, RAM + 0x201abc);
}

static void test_canonical_and_access(void **state)
{
    (void)state;
    uint64_t pa;
    map_sv39(V | R);
    /* bit 38 set but upper bits clear: not canonical for Sv39 */
    assert_false(mmu_translate(h, 1ull << 38, TLB_R, PRV_S, &pa));
    assert_int_equal(h->exc_cause, EXC_LOAD_PAGE);
    assert_int_equal(h->exc_tval, 1ull << 38);
    /* a table pointer outside RAM: access fault */
    *pte_at(RAM + 0x1000) = pte(0x1000, V);
    assert_false(mmu_translate(h, 0x401000, TLB_W, PRV_S, &pa));
    assert_int_equal(h->exc_cause, EXC_STORE_ACCESS);
    /* M-mode and bare satp do not translate */
    assert_true(mmu_translate(h, 0x1234, TLB_R, PRV_M, &pa));
    assert_int_equal(pa, 0x1234);
}

static void test_sv48(void **state)
{
    (void)state;
    uint64_t pa;
    memset(m->bus.ram, 0, 0x10000);
    /* va 0x0000_8000_0040_1000: root[1] -> L2[0] -> L1[2] -> L0[1] */
    uint64_t va = (1ull << 39) | 0x401000;
    *pte_at(RAM + 0x1000 + 8) = pte(RAM + 0x2000, V);
    *pte_at(RAM + 0x2000) = pte(RAM + 0x3000, V);
    *pte_at(RAM + 0x3000 + 2 * 8) = pte(RAM + 0x4000, V);
    *pte_at(RAM + 0x4000 + 8) = pte(RAM + 0x10000, V | R);
    h->satp = (9ull << 60) | ((RAM + 0x1000) >> 12);
    assert_true(mmu_translate(h, va | 0x42, TLB_R, PRV_S, &pa));
    assert_int_equal(pa, RAM + 0x10042);
    /* the same va is not canonical under Sv39 */
    h->satp = (8ull << 60) | ((RAM + 0x1000) >> 12);
    assert_false(mmu_translate(h, va, TLB_R, PRV_S, &pa));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sv39_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_superpages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_canonical_and_access, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sv48, setup, teardown),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
