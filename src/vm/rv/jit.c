/* The translator's logic (see jit.h): the code buffer and its two views,
 * where a block starts and ends, which made blocks a new one can go
 * straight into, and when the buffer is full. The host instructions are
 * the emitter's (jit_emit.h, jit_x86.c). */
#include "vm/rv/jit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "vm/rv/cpu.h"
#include "vm/rv/jit_emit.h"

#define JIT_BYTES (32u << 20)
#define BLOCK_MAX_INSNS 64

/* The buffer's two views of one memfd. Hosts that enforce W^X refuse a
 * mapping both writable and executable, and some refuse any new
 * executable mapping: then *refused. */
static int map_views(struct jit *j, bool *refused, struct err *e)
{
    int fd = memfd_exec("cella-jit", MFD_CLOEXEC);
    if (fd < 0) {
        *refused = true;
        return err_set(e, 0, "executable memory refused (memfd_create: %s)",
                       strerror(errno));
    }
    if (ftruncate(fd, JIT_BYTES) < 0) {
        int en = errno;
        close(fd);
        return err_set(e, en, "cannot size the translator's code buffer");
    }
    void *w = mmap(0, JIT_BYTES, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_NORESERVE, fd, 0);
    if (w == MAP_FAILED) {
        int en = errno;
        close(fd);
        return err_set(e, en, "cannot map the translator's code buffer");
    }
    void *x = mmap(0, JIT_BYTES, PROT_READ | PROT_EXEC,
                   MAP_SHARED | MAP_NORESERVE, fd, 0);
    int en = errno;
    close(fd);
    if (x == MAP_FAILED) {
        munmap(w, JIT_BYTES);
        if (en == EPERM || en == EACCES) {
            *refused = true;
            return err_set(e, 0, "executable memory refused (mmap: %s)",
                           strerror(en));
        }
        return err_set(e, en, "cannot map the translator's code buffer");
    }
    j->write = w;
    j->code = x;
    j->size = JIT_BYTES;
    return 0;
}

struct jit *jit_new(bool *refused, struct err *e)
{
    *refused = false;
    struct jit *j = calloc(1, sizeof *j);
    if (!j) {
        err_set(e, ENOMEM, "cannot allocate the translator");
        return 0;
    }
    j->jumps = calloc(JIT_JUMPS, sizeof *j->jumps);
    if (!j->jumps) {
        err_set(e, ENOMEM, "cannot allocate the translator's jump cache");
        free(j);
        return 0;
    }
    if (map_views(j, refused, e) < 0) {
        free(j->jumps);
        free(j);
        return 0;
    }
    jit_emit_stubs(j);
    return j;
}

void jit_free(struct jit *j)
{
    if (j) {
        munmap((void *)j->code, j->size);
        munmap(j->write, j->size);
        free(j->jumps);
        free(j);
    }
}

void jit_reset(struct jit *j)
{
    j->used = j->base;
    memset(j->jumps, 0, JIT_JUMPS * sizeof *j->jumps);
}

const uint8_t *jit_block_at(const struct jit_unit *u, int32_t pc_off)
{
    int64_t t = (int64_t)u->off + pc_off;
    if (t == u->off)
        return u->body;
    if (t < 0 || t >= 0x1000 || (t & 1))
        return NULL;
    const struct insn *e = &u->code[t >> 1];
    if (e->cache_gen == u->gen && e->op == OP_JIT)
        return u->j->code + e->imm + u->j->skip;
    return NULL;
}

/* The decoded instruction at byte off of the page into *out (decoding
 * it into the cache first if needed); false for a 32-bit instruction
 * that crosses into the next page, which is never cached. */
static bool decoded(struct insn *code, const uint8_t *host, unsigned off,
                    uint8_t gen, struct insn *out)
{
    struct insn *e = &code[off >> 1];
    if (e->cache_gen != gen) {
        uint32_t raw;
        if (!code_bits(host, off, &raw))
            return false;
        rv_decode(raw, e);
        e->cache_gen = gen;
    }
    *out = *e;
    if (out->op == OP_JIT)      /* a block starts here: its own bits */
        rv_decode(out->raw, out);
    return true;
}

/* A block's last instruction: a jump (branches go on when not taken). */
static bool ends_block(unsigned op)
{
    return op == OP_JAL || op == OP_JALR;
}

long jit_translate(struct jit *j, struct insn *code, const uint8_t *host,
                   unsigned off, uint8_t gen)
{
    /* the run: what the block will do, known before its code is made */
    struct insn run[BLOCK_MAX_INSNS];
    uint32_t n = 0;
    unsigned end = off;
    while (n < BLOCK_MAX_INSNS && end < 0x1000 &&
           decoded(code, host, end, gen, &run[n]) &&
           jit_emit_takes(&run[n])) {
        end += run[n].len;
        if (ends_block(run[n++].op))
            break;
    }
    if (n == 0)
        return JIT_NONE;
    if (j->size - j->used < (n + 2) * (size_t)JIT_INSN_MAX_BYTES)
        return JIT_FULL;
    size_t start = j->used;
    struct jit_unit u = {.j = j, .code = code, .gen = gen, .off = off,
                         .p = j->write + start};
    jit_emit_begin(&u, run, n);
    int32_t d = 0;
    enum jit_emitted e = JIT_E_NEXT;
    for (uint32_t i = 0; i < n; i++) {
        e = jit_emit_insn(&u, &run[i], d, i);
        d += run[i].len;
    }
    if (e != JIT_E_END)
        jit_emit_end(&u, d, n);
    j->used = ((size_t)(u.p - j->write) + 15) & ~(size_t)15;
    return (long)start;
}
