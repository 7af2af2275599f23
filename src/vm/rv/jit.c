/* The translator's logic (see jit.h): the code buffer and its two views,
 * where a block starts and ends, which made blocks a new one can go
 * straight into, and when the buffer is full. The host instructions are
 * the emitter's (jit_emit.h, jit_x86.c). */
#include "vm/rv/jit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "vm/rv/cpu.h"
#include "vm/rv/jit_emit.h"

#define JIT_BYTES (32u << 20)
/* With --perf-map, where addresses are not reused until the buffer is
 * full: a boot of the default guest translates about 30 MiB (FENCE.I
 * drops every block, and Linux fences at each exec). Only what is
 * written costs memory. */
#define JIT_PERF_BYTES (512u << 20)

/* The buffer's two views of one memfd: where mremap cannot map shared
 * memory twice (under valgrind, say). perf does not read
 * /tmp/perf-PID.map for code in a file, so --perf-map names nothing there. */
static int map_memfd_views(struct jit *j, size_t size, bool *refused,
                           struct err *e)
{
    int fd = memfd_exec("cella-jit", MFD_CLOEXEC);
    if (fd < 0) {
        *refused = true;
        return err_set(e, 0, "executable memory refused (memfd_create: %s)",
                       strerror(errno));
    }
    if (ftruncate(fd, (off_t)size) < 0) {
        int en = errno;
        close(fd);
        return err_set(e, en, "cannot size the translator's code buffer");
    }
    void *w = mmap(0, size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_NORESERVE, fd, 0);
    if (w == MAP_FAILED) {
        int en = errno;
        close(fd);
        return err_set(e, en, "cannot map the translator's code buffer");
    }
    void *x = mmap(0, size, PROT_READ | PROT_EXEC,
                   MAP_SHARED | MAP_NORESERVE, fd, 0);
    int en = errno;
    close(fd);
    if (x == MAP_FAILED) {
        munmap(w, size);
        if (en == EPERM || en == EACCES) {
            *refused = true;
            return err_set(e, 0, "executable memory refused (mmap: %s)",
                           strerror(en));
        }
        return err_set(e, en, "cannot map the translator's code buffer");
    }
    j->write = w;
    j->code = x;
    j->size = size;
    return 0;
}

/* The buffer's two views of one shared anonymous memory: mapped
 * executable (never writable) first, then mapped again by mremap, which
 * gives a shared mapping's pages a second address, and that one made
 * writable (never executable). Hosts that enforce W^X refuse a mapping
 * both writable and executable, and adding execute to a mapping; some
 * refuse any new executable mapping: then *refused. Being anonymous
 * memory, the executable view is where perf looks a process's
 * /tmp/perf-PID.map up (--perf-map). */
static int map_views(struct jit *j, size_t size, bool *refused,
                     struct err *e)
{
    void *x = mmap(0, size, PROT_READ | PROT_EXEC,
                   MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (x == MAP_FAILED) {
        int en = errno;
        if (en == EPERM || en == EACCES) {
            *refused = true;
            return err_set(e, 0, "executable memory refused (mmap: %s)",
                           strerror(en));
        }
        return err_set(e, en, "cannot map the translator's code buffer");
    }
    void *w = mremap(x, 0, size, MREMAP_MAYMOVE);
    if (w == MAP_FAILED && errno == EINVAL) {
        munmap(x, size);
        return map_memfd_views(j, size, refused, e);
    }
    if (w == MAP_FAILED || mprotect(w, size, PROT_READ | PROT_WRITE)) {
        int en = errno;
        if (w != MAP_FAILED)
            munmap(w, size);
        munmap(x, size);
        if (en == EPERM || en == EACCES) {
            *refused = true;
            return err_set(e, 0, "a writable view of executable memory "
                           "refused (%s)", strerror(en));
        }
        return err_set(e, en, "cannot map the translator's code buffer "
                       "a second time");
    }
    j->write = w;
    j->code = x;
    j->size = size;
    return 0;
}

/* /tmp/perf-PID.map, for appending (each line one write: harts share
 * it); the process's first opening empties what an earlier process of
 * the same PID left. Not through a symbolic link (/tmp is everyone's). */
static int open_perf_map(struct err *e)
{
    static atomic_bool opened;
    char path[64];
    snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW;
    if (!atomic_exchange(&opened, true))
        flags |= O_TRUNC;
    int fd = open(path, flags, 0644);
    if (fd < 0)
        return err_set(e, errno, "--perf-map: cannot open %s", path);
    return fd;
}

/* A line of /tmp/perf-PID.map: code from start to end, and its name.
 * A block is named by its guest address where it was first seen (it runs
 * wherever its page is mapped). */
static void name_code(const struct jit *j, size_t start, size_t end,
                      const char *name)
{
    char line[96];
    int n = snprintf(line, sizeof line, "%lx %zx %s\n",
                     (unsigned long)(uintptr_t)(j->code + start), end - start,
                     name);
    if (write(j->perf_map, line, (size_t)n) != n) {
        /* a full disk loses names, never guest state */
    }
}

struct jit *jit_new(bool perf_map, bool *refused, struct err *e)
{
    *refused = false;
    struct jit *j = calloc(1, sizeof *j);
    if (!j) {
        err_set(e, ENOMEM, "cannot allocate the translator");
        return 0;
    }
    j->perf_map = perf_map ? open_perf_map(e) : -1;
    if (perf_map && j->perf_map < 0) {
        free(j);
        return 0;
    }
    j->jumps = calloc(JIT_JUMPS, sizeof *j->jumps);
    if (!j->jumps) {
        err_set(e, ENOMEM, "cannot allocate the translator's jump cache");
        jit_free(j);
        return 0;
    }
    if (map_views(j, perf_map ? JIT_PERF_BYTES : JIT_BYTES, refused, e) < 0) {
        jit_free(j);
        return 0;
    }
    jit_emit_stubs(j);
    j->cold_base = j->cold = j->base + ((j->size - j->base) / 2 & ~(size_t)15);
    if (j->perf_map >= 0)
        name_code(j, 0, j->base, "cella-jit-stubs");
    return j;
}

void jit_free(struct jit *j)
{
    if (!j)
        return;
    if (j->code)
        munmap((void *)j->code, j->size);
    if (j->write)
        munmap(j->write, j->size);
    if (j->perf_map >= 0)
        close(j->perf_map);
    free(j->jumps);
    free(j);
}

void jit_reset(struct jit *j)
{
    /* With --perf-map, addresses are not reused until the buffer is full
     * (jit_translate): perf knows one name per address. */
    if (j->perf_map < 0) {
        j->used = j->base;
        j->cold = j->cold_base;
    }
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

/* What u made since *p and *cold (in the block and out of line) must
 * each be within JIT_INSN_MAX_BYTES, the room jit_translate leaves per
 * part of a block: one longer is a bug of the emitter's, which has
 * written over other code, and stops cella before that code runs. Moves
 * *p and *cold on to where u is now. */
static void check_room(const struct jit_unit *u, const uint8_t **p,
                       const uint8_t **cold, uint64_t pc)
{
    if (u->p - *p > JIT_INSN_MAX_BYTES ||
        u->cold - *cold > JIT_INSN_MAX_BYTES) {
        fprintf(stderr, "cella: translator bug: the code made for the block "
                "at 0x%llx outgrew its room\n", (unsigned long long)pc);
        abort();
    }
    *p = u->p;
    *cold = u->cold;
}

long jit_translate(struct jit *j, struct insn *code, const uint8_t *host,
                   unsigned off, uint8_t gen, uint64_t pc)
{
    /* the run: what the block will do, known before its code is made,
     * and where each instruction is from the block's start. It ends at a
     * jump (branches go on when not taken), but for a JAL forward on the
     * page, where it goes on at the target. */
    struct insn run[JIT_BLOCK_INSNS];
    int32_t at[JIT_BLOCK_INSNS];
    uint32_t n = 0;
    unsigned end = off;
    while (n < JIT_BLOCK_INSNS && end < 0x1000 &&
           decoded(code, host, end, gen, &run[n]) &&
           jit_emit_takes(&run[n])) {
        const struct insn *in = &run[n];
        at[n++] = (int32_t)(end - off);
        if (in->op == OP_JALR || jit_is_call(in) ||
            (in->op == OP_JAL && (in->imm <= 0 || end + in->imm >= 0x1000)))
            break;
        end += in->op == OP_JAL ? (unsigned)in->imm : in->len;
    }
    if (n == 0)
        return JIT_NONE;
    size_t room = (n + 2) * (size_t)JIT_INSN_MAX_BYTES;
    if (j->cold_base - j->used < room + JIT_BLOCK_NOTES ||
        j->size - j->cold < room) {
        j->used = j->base;
        j->cold = j->cold_base;
        return JIT_FULL;
    }
    size_t start = j->used + JIT_BLOCK_NOTES;
    struct jit_unit u = {.j = j, .code = code, .gen = gen, .off = off,
                         .p = j->write + start, .cold = j->write + j->cold};
    const uint8_t *p = u.p, *cold = u.cold;
    jit_emit_begin(&u, run, at, n);
    check_room(&u, &p, &cold, pc);
    enum jit_emitted e = JIT_E_NEXT;
    for (uint32_t i = 0; i < n; i++) {
        e = jit_emit_insn(&u, &run[i], at[i], i);
        check_room(&u, &p, &cold, pc);
    }
    if (e != JIT_E_END) {
        jit_emit_end(&u, at[n - 1] + run[n - 1].len, n);
        check_room(&u, &p, &cold, pc);
    }
    if (j->perf_map >= 0) {
        char name[32];
        snprintf(name, sizeof name, "rv:0x%llx", (unsigned long long)pc);
        name_code(j, start, (size_t)(u.p - j->write), name);
        size_t cold = (size_t)(u.cold - j->write);
        if (cold > j->cold) {
            strcat(name, ":cold");
            name_code(j, j->cold, cold, name);
        }
    }
    j->used = ((size_t)(u.p - j->write) + 15) & ~(size_t)15;
    j->cold = (size_t)(u.cold - j->write);
    return (long)start;
}
