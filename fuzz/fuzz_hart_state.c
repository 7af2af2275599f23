/* libFuzzer target for hart state records (src/vm/rv/hart_state.c) and
 * for the engines that run whatever a record loads. The input is XORed
 * onto the payload of a good record, which is then checksummed anew, so
 * that mutations reach the checks of the fields rather than the checksum.
 * A record that loads must save back to the same bytes; the hart then
 * runs a while over a small guest RAM the input fills, and the state it
 * reaches must load again. The layout is in fuzz/README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/rec.h"
#include "base/util.h"
#include "vm/bus.h"
#include "vm/rv/engine.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x4000u        /* four pages */
#define SLICES 64               /* of SLICE taken branches each */
#define SLICE 16

static struct bus bus;
static struct vm_clock mtime;
/* The machine is ending: WFI returns at once, and a hart the SBI HSM
 * stopped does not wait to be started. */
static atomic_int ending;
static atomic_bool pausing;     /* never: the board's business */
/* One hart per engine; the translator's interprets where the host
 * refuses it executable memory. */
static const enum engine engines[2] = {ENGINE_INTERP, ENGINE_JIT};
static struct hart harts[2];
/* The record inputs are XORed onto: a hart at reset, but for its pc and
 * mtvec at the start of RAM. */
static struct rec_out baseline;
static uint32_t baseline_version;

/* A broken promise of the engine's save or load: a crash for libFuzzer
 * to keep. */
static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_hart_state: %s\n", what);
        abort();
    }
}

/* A machine with no firmware ends on an M-mode trap; here it goes on. */
static void power_stop(void *opaque, int status)
{
    (void)opaque;
    (void)status;
}

static void init(void)
{
    bus.ram = aligned_alloc(4096, RAM_SIZE);
    check(bus.ram != NULL, "out of memory");
    bus.ram_base = RAM_BASE;
    bus.ram_size = RAM_SIZE;
    mtime.origin_ns = now_ns();
    atomic_init(&ending, 0);
    struct hart_env env = {.bus = &bus, .clock = &mtime,
                           .power = {power_stop, NULL}, .ending = &ending,
                           .pausing = &pausing};
    struct err e;
    for (unsigned i = 0; i < 2; i++)
        check(engine_ops(engines[i])->init(&harts[i], &env, 0, &e) >= 0,
              e.msg);
    harts[0].pc = harts[0].mtvec = RAM_BASE;
    engine_ops(engines[0])->save(&harts[0], &baseline);
    check(rec_out_check(&baseline, &e) == 0, e.msg);
    struct rec_in in;
    rec_in_init(&in, baseline.buf, baseline.len);
    int v = rec_open(&in, "hart0", UINT32_MAX, &e);
    check(v > 0, e.msg);
    baseline_version = (uint32_t)v;
}

static int load(const struct engine_ops *ops, struct hart *h,
                const struct rec_out *r, struct err *e)
{
    struct rec_in in;
    rec_in_init(&in, r->buf, r->len);
    return ops->load(h, &in, e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!bus.ram)
        init();
    uint8_t head[3] = {0};
    size_t n = size < sizeof head ? size : sizeof head;
    memcpy(head, data, n);
    data += n;
    size -= n;
    size_t ram = head[1] | (size_t)head[2] << 8;
    if (ram > size)
        ram = size;
    if (ram > RAM_SIZE)
        ram = RAM_SIZE;
    memset(bus.ram, 0, RAM_SIZE);
    memcpy(bus.ram, data, ram);
    data += ram;
    size -= ram;

    size_t plen = baseline.len - REC_HEADER_SIZE - REC_TRAILER_SIZE;
    struct rec_out rec = {0};
    rec_begin(&rec, "hart0", baseline_version);
    for (size_t i = 0; i < plen; i++)
        rec_u8(&rec, baseline.buf[REC_HEADER_SIZE + i] ^
                         (i < size ? data[i] : 0));
    rec_end(&rec);

    unsigned which = head[0] & 1;
    const struct engine_ops *ops = engine_ops(engines[which]);
    struct hart *h = &harts[which];
    h->env.paravirt = head[0] & 2;
    ops->reset(h);
    struct err e;
    if (load(ops, h, &rec, &e) == 0) {
        struct rec_out again = {0};
        ops->save(h, &again);
        check(again.len == rec.len && !memcmp(again.buf, rec.buf, rec.len),
              "a loaded state saves to another record");
        for (unsigned i = 0; i < SLICES; i++)
            if (ops->run(h, SLICE) == HART_EXIT_SBI)
                h->pc += 4;     /* the ecall retires, unanswered */
        rec_out_free(&again);
        ops->save(h, &again);
        check(load(ops, h, &again, &e) == 0, e.msg);
        rec_out_free(&again);
    }
    rec_out_free(&rec);
    return 0;
}
