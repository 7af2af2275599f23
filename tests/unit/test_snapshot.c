/* Unit tests of snapshots: a machine saved to a directory reads back as
 * the same config, records and RAM (mapped privately from a sparse memory
 * file); a directory holding a snapshot is refused unless forced; a state
 * file that is cut, corrupted, of another format or of another board is
 * refused with one line naming it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/util.h"
#include "vm/snapshot/memory.h"
#include "vm/snapshot/snapshot.h"
#include "vm/snapshot/state_file.h"
#include "test_board.h"

#define UART_SCR (board_devs[BOARD_UART].base + 7)

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cella-test-snap-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static char *in_dir(const char *name)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

/* A machine with a config, RAM and a device in a state of their own. */
static struct machine *machine_saved(void)
{
    struct machine *m = board_new(2);
    m->cfg.kernel = "/boot/Image";
    m->cfg.append = "console=hvc0 quiet";
    m->cfg.ndevs = 1;
    m->cfg.devs[0] = (struct vm_dev_arg){VM_DEV_DISK, "/tmp/d.img,readonly"};
    memset(m->bus.ram + 5 * 4096, 0xa5, 4096);
    m->bus.ram[TEST_BOARD_RAM - 1] = 7;
    assert_true(bus_mmio_write(&m->bus, UART_SCR, 1, 0x3c));
    m->harts[1]->x[9] = 99;
    struct err e = {0};
    assert_int_equal(snapshot_save(m, dir, false, &e), 0);
    return m;
}

static void test_saved_reads_back(void **state)
{
    (void)state;
    struct machine *a = machine_saved();
    struct err e = {0};

    /* The memory file is sparse: two pages of data take the disk. */
    struct stat st;
    assert_int_equal(stat(in_dir("memory"), &st), 0);
    assert_int_equal(st.st_size, TEST_BOARD_RAM);
    assert_true((uint64_t)st.st_blocks * 512 <= 4 * 4096);

    struct snapshot s;
    assert_int_equal(snapshot_open(dir, &s, &e), 0);
    assert_string_equal(s.cfg.kernel, "/boot/Image");
    assert_null(s.cfg.initrd);
    assert_null(s.cfg.bios);
    assert_string_equal(s.cfg.append, "console=hvc0 quiet");
    assert_int_equal(s.cfg.cpus, 2);
    assert_int_equal(s.cfg.mem_size, TEST_BOARD_RAM);
    assert_int_equal(s.cfg.ndevs, 1);
    assert_int_equal(s.cfg.devs[0].kind, VM_DEV_DISK);
    assert_string_equal(s.cfg.devs[0].arg, "/tmp/d.img,readonly");

    /* RAM maps back privately: same bytes, and writes stay here. */
    uint8_t *ram = memory_file_map(s.memory_path, TEST_BOARD_RAM, &e);
    assert_non_null(ram);
    assert_memory_equal(ram, a->bus.ram, TEST_BOARD_RAM);
    ram[0] = 1;
    munmap(ram, TEST_BOARD_RAM);
    ram = memory_file_map(s.memory_path, TEST_BOARD_RAM, &e);
    assert_int_equal(ram[0], 0);
    munmap(ram, TEST_BOARD_RAM);

    /* The records load into a machine of the same config. */
    struct machine *b = board_new(2);
    assert_int_equal(board_load(b, &s.records, &e), 0);
    assert_int_equal(s.records.off, s.records.len);
    uint64_t v = 0;
    assert_true(bus_mmio_read(&b->bus, UART_SCR, 1, &v));
    assert_int_equal(v, 0x3c);
    assert_int_equal(b->harts[1]->x[9], 99);
    snapshot_close(&s);
    board_free(a);
    board_free(b);
}

static void test_existing_snapshot_needs_force(void **state)
{
    (void)state;
    struct machine *m = machine_saved();
    struct err e = {0};
    assert_int_equal(snapshot_save(m, dir, false, &e), -1);
    assert_non_null(strstr(e.msg, "holds a snapshot already"));
    m->harts[1]->x[9] = 100;
    assert_int_equal(snapshot_save(m, dir, true, &e), 0);
    struct snapshot s;
    assert_int_equal(snapshot_open(dir, &s, &e), 0);
    snapshot_close(&s);
    board_free(m);
}

/* The state file, whole, into a malloc'd buffer. */
static uint8_t *state_bytes(size_t *len)
{
    uint8_t *buf;
    assert_int_equal(read_file(in_dir("state"), &buf, len, NULL), 0);
    return buf;
}

static void expect_refused(uint8_t *buf, size_t len, const char *msg)
{
    struct snapshot s;
    struct err e = {0};
    assert_int_equal(snapshot_parse(&s, buf, len, "S", &e), -1);
    if (!strstr(e.msg, msg))
        fail_msg("\"%s\" does not say \"%s\"", e.msg, msg);
}

static void fix_crc(uint8_t *buf, size_t len)
{
    uint32_t crc = (uint32_t)crc32(0, buf, (uInt)(len - 4));
    for (unsigned i = 0; i < 4; i++)
        buf[len - 4 + i] = (uint8_t)(crc >> (8 * i));
}

static void test_bad_state_files_are_refused(void **state)
{
    (void)state;
    board_free(machine_saved());
    size_t len;
    uint8_t *good = state_bytes(&len);

    uint8_t *b = malloc(len);
    memcpy(b, good, len);
    expect_refused(b, len - 1, "S: truncated");
    b = malloc(len);
    memcpy(b, good, len);
    b[len / 2] ^= 0x10;
    expect_refused(b, len, "S: checksum mismatch (corrupted)");
    b = malloc(len);
    memcpy(b, good, len);
    b[8] = 2;
    fix_crc(b, len);
    expect_refused(b, len, "S: snapshot format 2 (this cella reads 1)");
    b = malloc(len);
    memcpy(b, good, len);
    memcpy(b, "NOTSNAPS", 8);
    expect_refused(b, len, "S: not a cella snapshot state file");

    /* Property: every byte changed, with the checksum made to match, is
     * refused or reads back; none crashes or leaks. */
    for (size_t i = 0; i < len - 4; i++) {
        b = malloc(len);
        memcpy(b, good, len);
        b[i] ^= 0x5a;
        fix_crc(b, len);
        struct snapshot s;
        struct err e = {0};
        if (snapshot_parse(&s, b, len, "S", &e) == 0)
            snapshot_close(&s);
    }
    free(good);
}

static void test_other_board_is_refused(void **state)
{
    (void)state;
    struct rec_out o = {0};
    rec_begin(&o, "config", 1);
    rec_str(&o, "arm-virt");
    rec_end(&o);
    struct err e = {0};
    assert_int_equal(state_file_write(in_dir("state"), o.buf, o.len, &e), 0);
    rec_out_free(&o);
    struct snapshot s;
    assert_int_equal(snapshot_open(dir, &s, &e), -1);
    assert_non_null(strstr(e.msg, "a machine of board \"arm-virt\" (this "
                                  "cella runs \"riscv-virt\")"));
}

/* Resident pages of the mapping [p, p + size). */
static unsigned resident(const uint8_t *p, size_t size)
{
    unsigned char vec[TEST_BOARD_RAM / 4096];
    assert_int_equal(mincore((void *)p, size, vec), 0);
    unsigned n = 0;
    for (size_t i = 0; i < size / 4096; i++)
        n += vec[i] & 1;
    return n;
}

/* RAM on a memfd: only its data is read, so the pages the guest never
 * touched stay unallocated through a snapshot, and the file holds what
 * was written. */
static void test_memfd_ram_holes_stay_holes(void **state)
{
    (void)state;
    int fd = memfd_exec("test-ram", MFD_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, TEST_BOARD_RAM), 0);
    uint8_t *ram = mmap(0, TEST_BOARD_RAM, PROT_READ | PROT_WRITE,
                        MAP_SHARED, fd, 0);
    assert_true(ram != MAP_FAILED);
    memset(ram + 3 * 4096, 0x11, 4096);
    memset(ram + 200 * 4096, 0x22, 2 * 4096);
    ram[250 * 4096] = 0;    /* touched, still zeros: not written */
    unsigned before = resident(ram, TEST_BOARD_RAM);
    struct err e = {0};
    assert_int_equal(memory_file_write(in_dir("memory"), ram, TEST_BOARD_RAM,
                                       fd, &e), 0);
    assert_int_equal(resident(ram, TEST_BOARD_RAM), before);
    uint8_t *back = memory_file_map(in_dir("memory"), TEST_BOARD_RAM, &e);
    assert_non_null(back);
    assert_memory_equal(back, ram, TEST_BOARD_RAM);
    struct stat st;
    assert_int_equal(stat(in_dir("memory"), &st), 0);
    assert_true((uint64_t)st.st_blocks * 512 <= 3 * 4096);
    munmap(back, TEST_BOARD_RAM);
    munmap(ram, TEST_BOARD_RAM);
    close(fd);
}

static void test_memory_file_of_other_size_is_refused(void **state)
{
    (void)state;
    board_free(machine_saved());
    struct err e = {0};
    assert_null(memory_file_map(in_dir("memory"), 2 * TEST_BOARD_RAM, &e));
    assert_non_null(strstr(e.msg, "1048576 bytes, the state says 2097152"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_saved_reads_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_existing_snapshot_needs_force,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_state_files_are_refused,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_board_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_memfd_ram_holes_stay_holes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_memory_file_of_other_size_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
