/* Unit tests of the device tree: build it for fake machines and read it
 * back with libfdt. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "vm/riscv/fdt.h"
#include "vm/machine.h"

#define CLINT_DEV board_devs[BOARD_CLINT]
#define PLIC_DEV board_devs[BOARD_PLIC]
#define RTC_DEV board_devs[BOARD_RTC]
#define SYSCON_DEV board_devs[BOARD_TEST]
#define UART_DEV board_devs[BOARD_UART]

#define BUF_SIZE 65536

static uint8_t *build(unsigned nharts, uint64_t ram_size,
                      const struct fdt_params *p)
{
    static struct machine m;
    memset(&m, 0, sizeof m);
    m.nharts = nharts;
    m.bus.ram_base = BOARD_RAM_BASE;
    m.bus.ram_size = ram_size;
    uint8_t *buf = malloc(BUF_SIZE);
    assert_non_null(buf);
    struct err e = { 0 };
    int size = fdt_build(&m, p, buf, BUF_SIZE, &e);
    assert_true(size > 0);
    assert_true(size <= BUF_SIZE);
    assert_int_equal(fdt_check_header(buf), 0);
    assert_int_equal(fdt_totalsize(buf), (uint32_t)size);
    return buf;
}

static int node(const void *fdt, const char *path)
{
    int off = fdt_path_offset(fdt, path);
    if (off < 0)
        fail_msg("no node %s", path);
    return off;
}

static uint32_t prop_u32(const void *fdt, int off, const char *name)
{
    int len;
    const fdt32_t *v = fdt_getprop(fdt, off, name, &len);
    assert_non_null(v);
    assert_int_equal(len, 4);
    return fdt32_to_cpu(*v);
}

static uint64_t prop_u64(const void *fdt, int off, const char *name)
{
    int len;
    const fdt64_t *v = fdt_getprop(fdt, off, name, &len);
    assert_non_null(v);
    assert_int_equal(len, 8);
    return fdt64_ld(v);     /* only 4-byte aligned in the blob */
}

static const char *prop_str(const void *fdt, int off, const char *name)
{
    int len;
    const char *v = fdt_getprop(fdt, off, name, &len);
    assert_non_null(v);
    assert_int_equal(strnlen(v, (size_t)len), (size_t)len - 1);
    return v;
}

/* Checks the hart-dependent parts for n harts. */
static void check_harts(unsigned n)
{
    struct fdt_params p = { 0 };
    uint8_t *fdt = build(n, 256ull << 20, &p);

    int cpus = node(fdt, "/cpus");
    assert_int_equal(prop_u32(fdt, cpus, "timebase-frequency"), TIMEBASE_HZ);
    assert_int_equal(prop_u32(fdt, cpus, "#address-cells"), 1);
    assert_int_equal(prop_u32(fdt, cpus, "#size-cells"), 0);

    unsigned ncpu = 0;
    uint32_t intc[VM_MAX_CPUS], cpu_ph[VM_MAX_CPUS];
    int sub;
    fdt_for_each_subnode(sub, fdt, cpus) {
        const char *type = fdt_getprop(fdt, sub, "device_type", NULL);
        if (!type || strcmp(type, "cpu"))
            continue;
        assert_true(ncpu < n);
        assert_int_equal(prop_u32(fdt, sub, "reg"), ncpu);
        assert_string_equal(prop_str(fdt, sub, "status"), "okay");
        assert_int_equal(fdt_node_check_compatible(fdt, sub, "riscv"), 0);
        assert_string_equal(prop_str(fdt, sub, "riscv,isa"),
                            "rv64imafdc_zicsr_zifencei_zba_zbb_zbs_sstc");
        assert_string_equal(prop_str(fdt, sub, "mmu-type"), "riscv,sv48");
        cpu_ph[ncpu] = fdt_get_phandle(fdt, sub);
        int ic = fdt_subnode_offset(fdt, sub, "interrupt-controller");
        assert_true(ic >= 0);
        assert_int_equal(fdt_node_check_compatible(fdt, ic, "riscv,cpu-intc"), 0);
        assert_int_equal(prop_u32(fdt, ic, "#interrupt-cells"), 1);
        assert_non_null(fdt_getprop(fdt, ic, "interrupt-controller", NULL));
        intc[ncpu] = fdt_get_phandle(fdt, ic);
        assert_true(intc[ncpu] != 0 && intc[ncpu] != (uint32_t)-1);
        assert_int_equal(fdt_node_offset_by_phandle(fdt, intc[ncpu]), ic);
        ncpu++;
    }
    assert_int_equal(ncpu, n);

    /* cpu-map: one core per hart, pointing at its cpu node. */
    int cluster = node(fdt, "/cpus/cpu-map/cluster0");
    unsigned ncores = 0;
    fdt_for_each_subnode(sub, fdt, cluster) {
        char name[16];
        snprintf(name, sizeof name, "core%u", ncores);
        assert_string_equal(fdt_get_name(fdt, sub, NULL), name);
        assert_int_equal(prop_u32(fdt, sub, "cpu"), cpu_ph[ncores]);
        ncores++;
    }
    assert_int_equal(ncores, n);

    /* interrupts-extended: <intc 11 intc 9> (PLIC) and <intc 3 intc 7>
     * (CLINT) per hart, in hart order. */
    const struct { const char *path; uint32_t a, b; } ext[] = {
        { "/soc/plic@c000000", 11, 9 },
        { "/soc/clint@2000000", 3, 7 },
    };
    for (size_t k = 0; k < 2; k++) {
        int len;
        const fdt32_t *c = fdt_getprop(fdt, node(fdt, ext[k].path),
                                       "interrupts-extended", &len);
        assert_non_null(c);
        assert_int_equal(len, (int)(n * 4 * sizeof(fdt32_t)));
        for (unsigned i = 0; i < n; i++) {
            assert_int_equal(fdt32_to_cpu(c[4 * i + 0]), intc[i]);
            assert_int_equal(fdt32_to_cpu(c[4 * i + 1]), ext[k].a);
            assert_int_equal(fdt32_to_cpu(c[4 * i + 2]), intc[i]);
            assert_int_equal(fdt32_to_cpu(c[4 * i + 3]), ext[k].b);
        }
    }
    free(fdt);
}

static void test_two_harts(void **state)
{
    (void)state;
    check_harts(2);
}

static void test_four_harts(void **state)
{
    (void)state;
    check_harts(4);
}

static void test_max_harts(void **state)
{
    (void)state;
    check_harts(VM_MAX_CPUS);
}

static void test_root_and_memory(void **state)
{
    (void)state;
    struct fdt_params p = { 0 };
    uint8_t *fdt = build(1, 8ull << 30, &p);   /* 8 GiB: size needs 2 cells */
    assert_int_equal(prop_u32(fdt, 0, "#address-cells"), 2);
    assert_int_equal(prop_u32(fdt, 0, "#size-cells"), 2);
    assert_int_equal(fdt_stringlist_count(fdt, 0, "compatible"), 1);
    assert_int_equal(fdt_node_check_compatible(fdt, 0, "riscv-virtio"), 0);
    assert_string_equal(prop_str(fdt, 0, "model"), "riscv-virtio,cella");

    int mem = node(fdt, "/memory@80000000");
    assert_string_equal(prop_str(fdt, mem, "device_type"), "memory");
    int len;
    const fdt32_t *reg = fdt_getprop(fdt, mem, "reg", &len);
    assert_non_null(reg);
    assert_int_equal(len, 16);
    assert_int_equal(fdt32_to_cpu(reg[0]), 0);
    assert_int_equal(fdt32_to_cpu(reg[1]), 0x80000000u);
    assert_int_equal(fdt32_to_cpu(reg[2]), 2);
    assert_int_equal(fdt32_to_cpu(reg[3]), 0);
    free(fdt);
}

static void test_chosen_with_bootargs_and_initrd(void **state)
{
    (void)state;
    struct fdt_params p = {
        .bootargs = "console=ttyS0 root=/dev/vda rw",
        .initrd_start = 0x88000000,
        .initrd_end = 0x88123457,
    };
    uint8_t *fdt = build(2, 1ull << 30, &p);
    int chosen = node(fdt, "/chosen");
    assert_string_equal(prop_str(fdt, chosen, "bootargs"), p.bootargs);
    assert_int_equal(prop_u64(fdt, chosen, "linux,initrd-start"), 0x88000000u);
    assert_int_equal(prop_u64(fdt, chosen, "linux,initrd-end"), 0x88123457u);
    /* stdout-path names the UART node. */
    const char *out = prop_str(fdt, chosen, "stdout-path");
    assert_string_equal(out, "/soc/serial@10000000");
    assert_int_equal(fdt_path_offset(fdt, out), node(fdt, "/soc/serial@10000000"));
    free(fdt);
}

static void test_chosen_without_bootargs_or_initrd(void **state)
{
    (void)state;
    struct fdt_params p = { 0 };
    uint8_t *fdt = build(1, 128ull << 20, &p);
    int chosen = node(fdt, "/chosen");
    int len;
    assert_null(fdt_getprop(fdt, chosen, "bootargs", &len));
    assert_int_equal(len, -FDT_ERR_NOTFOUND);
    assert_null(fdt_getprop(fdt, chosen, "linux,initrd-start", NULL));
    assert_null(fdt_getprop(fdt, chosen, "linux,initrd-end", NULL));
    assert_non_null(fdt_getprop(fdt, chosen, "stdout-path", NULL));
    free(fdt);
}

static void check_reg(const void *fdt, int off, uint64_t base, uint64_t size)
{
    int len;
    const fdt32_t *reg = fdt_getprop(fdt, off, "reg", &len);
    assert_non_null(reg);
    assert_int_equal(len, 16);
    assert_int_equal(((uint64_t)fdt32_to_cpu(reg[0]) << 32) | fdt32_to_cpu(reg[1]), base);
    assert_int_equal(((uint64_t)fdt32_to_cpu(reg[2]) << 32) | fdt32_to_cpu(reg[3]), size);
}

static void test_soc_devices(void **state)
{
    (void)state;
    struct fdt_params p = { 0 };
    uint8_t *fdt = build(2, 256ull << 20, &p);

    int soc = node(fdt, "/soc");
    assert_int_equal(fdt_node_check_compatible(fdt, soc, "simple-bus"), 0);
    assert_int_equal(prop_u32(fdt, soc, "#address-cells"), 2);
    assert_int_equal(prop_u32(fdt, soc, "#size-cells"), 2);
    int len = -1;
    assert_non_null(fdt_getprop(fdt, soc, "ranges", &len));
    assert_int_equal(len, 0);

    int clint = node(fdt, "/soc/clint@2000000");
    assert_int_equal(fdt_stringlist_count(fdt, clint, "compatible"), 2);
    assert_int_equal(fdt_stringlist_search(fdt, clint, "compatible", "sifive,clint0"), 0);
    assert_int_equal(fdt_stringlist_search(fdt, clint, "compatible", "riscv,clint0"), 1);
    check_reg(fdt, clint, CLINT_DEV.base, CLINT_DEV.size);

    int plic = node(fdt, "/soc/plic@c000000");
    assert_int_equal(fdt_stringlist_count(fdt, plic, "compatible"), 2);
    assert_int_equal(fdt_stringlist_search(fdt, plic, "compatible", "sifive,plic-1.0.0"), 0);
    assert_int_equal(fdt_stringlist_search(fdt, plic, "compatible", "riscv,plic0"), 1);
    check_reg(fdt, plic, PLIC_DEV.base, PLIC_DEV.size);
    assert_int_equal(prop_u32(fdt, plic, "#interrupt-cells"), 1);
    assert_non_null(fdt_getprop(fdt, plic, "interrupt-controller", NULL));
    assert_int_equal(prop_u32(fdt, plic, "riscv,ndev"), PLIC_NUM_SOURCES - 1);
    uint32_t plic_ph = fdt_get_phandle(fdt, plic);
    assert_true(plic_ph != 0);

    int uart = node(fdt, "/soc/serial@10000000");
    assert_int_equal(fdt_node_check_compatible(fdt, uart, "ns16550a"), 0);
    check_reg(fdt, uart, UART_DEV.base, UART_DEV.size);
    assert_int_equal(prop_u32(fdt, uart, "clock-frequency"), 3686400);
    assert_int_equal(prop_u32(fdt, uart, "interrupts"), UART_DEV.irq);
    assert_int_equal(prop_u32(fdt, uart, "interrupt-parent"), plic_ph);

    int rtc = node(fdt, "/soc/rtc@101000");
    assert_int_equal(fdt_node_check_compatible(fdt, rtc, "google,goldfish-rtc"), 0);
    check_reg(fdt, rtc, RTC_DEV.base, RTC_DEV.size);
    assert_int_equal(prop_u32(fdt, rtc, "interrupts"), RTC_DEV.irq);
    assert_int_equal(prop_u32(fdt, rtc, "interrupt-parent"), plic_ph);

    int test = node(fdt, "/soc/test@100000");
    assert_int_equal(fdt_stringlist_count(fdt, test, "compatible"), 3);
    assert_int_equal(fdt_stringlist_search(fdt, test, "compatible", "sifive,test1"), 0);
    assert_int_equal(fdt_stringlist_search(fdt, test, "compatible", "sifive,test0"), 1);
    assert_int_equal(fdt_stringlist_search(fdt, test, "compatible", "syscon"), 2);
    check_reg(fdt, test, SYSCON_DEV.base, SYSCON_DEV.size);

    /* Power-off and reboot point at the test device's register. */
    const struct { const char *path, *compat; uint32_t value; } fin[] = {
        { "/poweroff", "syscon-poweroff", 0x5555 },
        { "/reboot", "syscon-reboot", 0x7777 },
    };
    for (size_t i = 0; i < 2; i++) {
        int off = node(fdt, fin[i].path);
        assert_int_equal(fdt_node_check_compatible(fdt, off, fin[i].compat), 0);
        assert_int_equal(fdt_node_offset_by_phandle(fdt, prop_u32(fdt, off, "regmap")), test);
        assert_int_equal(prop_u32(fdt, off, "offset"), 0);
        assert_int_equal(prop_u32(fdt, off, "value"), fin[i].value);
    }

    /* Exactly these devices: no virtio, nothing else on the bus. */
    int nsoc = 0, sub;
    fdt_for_each_subnode(sub, fdt, soc)
        nsoc++;
    assert_int_equal(nsoc, 5);
    assert_int_equal(fdt_node_offset_by_compatible(fdt, -1, "virtio,mmio"),
                     -FDT_ERR_NOTFOUND);
    free(fdt);
}

static void test_errors(void **state)
{
    (void)state;
    static struct machine m;
    m.nharts = 2;
    m.bus.ram_base = BOARD_RAM_BASE;
    m.bus.ram_size = 256ull << 20;
    struct fdt_params p = { .bootargs = "console=ttyS0" };
    uint8_t small[256];
    struct err e = { 0 };
    assert_int_equal(fdt_build(&m, &p, small, sizeof small, &e), -1);
    assert_string_equal(e.msg, "device tree: FDT_ERR_NOSPACE");
    assert_int_equal(e.errnum, 0);

    uint8_t *buf = malloc(BUF_SIZE);
    assert_non_null(buf);
    m.nharts = 0;
    memset(&e, 0, sizeof e);
    assert_int_equal(fdt_build(&m, &p, buf, BUF_SIZE, &e), -1);
    assert_true(strncmp(e.msg, "device tree: ", 13) == 0);
    m.nharts = VM_MAX_CPUS + 1;
    assert_int_equal(fdt_build(&m, &p, buf, BUF_SIZE, NULL), -1);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_harts),
        cmocka_unit_test(test_four_harts),
        cmocka_unit_test(test_max_harts),
        cmocka_unit_test(test_root_and_memory),
        cmocka_unit_test(test_chosen_with_bootargs_and_initrd),
        cmocka_unit_test(test_chosen_without_bootargs_or_initrd),
        cmocka_unit_test(test_soc_devices),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
