/* bench/cpu-kernels/kernels.c: the compiled CPU workload of bench/vm-cpu.
 *
 *   kernels [SCALE] [NAME...]     NAME: list matmul crc fsm fp div (default all)
 *
 * Runs each kernel once, timed inside the program (CLOCK_MONOTONIC) from
 * when its data is made to its result, and prints `kernel NAME SECONDS check=HEX [insns=N]`. check is a checksum of
 * the kernel's result: it depends only on SCALE, so it must be the same on
 * every machine (cella, QEMU, the host). insns is the RISC-V instructions
 * retired (rdinstret), printed only where user mode may read the counter.
 * Build with -ffp-contract=off: a fused multiply-add would change fp's
 * rounding, and so its check, between riscv64 and x86-64. Plain C11 + libc.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Deterministic pseudo-random numbers (splitmix64): same stream everywhere. */
static uint64_t rng_state;

static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Folds a value into a running checksum (FNV-1a over its 8 bytes). */
static uint64_t mix(uint64_t h, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 0x100000001b3ull;
    }
    return h;
}

#define CHECK0 0xcbf29ce484222325ull

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fprintf(stderr, "kernels: out of memory\n");
        exit(1);
    }
    return p;
}

/* Each kernel calls go() once its data is made: only what follows is timed. */
static double now(void);
static uint64_t instret(void);
static int have_insns;
static double t_go;
static uint64_t i_go;

static void go(void)
{
    i_go = have_insns ? instret() : 0;
    t_go = now();
}

static long iters(double base, double scale)
{
    double n = base * scale;
    return n < 1 ? 1 : (long)(n + 0.5);
}

/* list: pointer chasing through a shuffled singly linked ring. */
struct node {
    struct node *next;
    uint64_t val;
};

static uint64_t k_list(double scale)
{
    enum { N = 1 << 16 };           /* 1 MiB of nodes: past L1 and L2 */
    struct node *nodes = xmalloc(N * sizeof *nodes);
    uint32_t *order = xmalloc(N * sizeof *order);
    for (uint32_t i = 0; i < N; i++) {
        order[i] = i;
        nodes[i].val = rng() >> 40;
    }
    for (uint32_t i = N - 1; i > 0; i--) {          /* Fisher-Yates */
        uint32_t j = (uint32_t)(rng() % (i + 1));
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (uint32_t i = 0; i < N; i++)
        nodes[order[i]].next = &nodes[order[(i + 1) % N]];
    long laps = iters(20, scale);
    go();
    uint64_t sum = 0, h = CHECK0;
    struct node *p = &nodes[order[0]];
    for (long l = 0; l < laps; l++) {
        for (uint32_t i = 0; i < N; i++) {
            sum += p->val ^ (uint64_t)i;
            p = p->next;
        }
        h = mix(h, sum);
    }
    free(order);
    free(nodes);
    return h;
}

/* matmul: 128x128 uint32 C = A*B (wrapping), repeated; each round feeds a
 * row of C back into A so no round can be skipped. */
static uint64_t k_matmul(double scale)
{
    enum { N = 128 };
    static uint32_t a[N][N], b[N][N], c[N][N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = (uint32_t)rng();
            b[i][j] = (uint32_t)rng();
        }
    long rounds = iters(36, scale);
    go();
    uint64_t h = CHECK0;
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++)
                c[i][j] = 0;
            for (int k = 0; k < N; k++) {
                uint32_t aik = a[i][k];
                for (int j = 0; j < N; j++)
                    c[i][j] += aik * b[k][j];
            }
        }
        for (int j = 0; j < N; j++)
            a[r % N][j] ^= c[(r * 7) % N][j];
        h = mix(h, c[r % N][(r * 3) % N]);
    }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            h = mix(h, c[i][j]);
    return h;
}

/* crc: table-driven CRC-32 (IEEE, reflected) over a 64 KiB buffer. */
static uint64_t k_crc(double scale)
{
    enum { LEN = 1 << 16 };
    static uint32_t table[256];
    static unsigned char buf[LEN];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    for (int i = 0; i < LEN; i++)
        buf[i] = (unsigned char)rng();
    long rounds = iters(1200, scale);
    go();
    uint64_t h = CHECK0;
    uint32_t crc = 0xffffffffu;
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < LEN; i++)
            crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
        h = mix(h, crc);
        buf[r % LEN] ^= (unsigned char)crc;
    }
    return mix(h, crc ^ 0xffffffffu);
}

/* fsm: a switch-driven tokenizer over generated text: words, numbers
 * (with hex and decimals), strings with escapes, comments, operators. */
enum { S_START, S_WORD, S_NUM, S_HEX, S_FRAC, S_STR, S_ESC, S_COMMENT, S_OP };

static size_t gen_text(unsigned char *t, size_t len)
{
    static const char *pieces[] = {
        "alpha", "beta_2", "x", "0x1f", "123", "4.75", "\"str\\\"ing\"", "# note\n",
        "+", "==", "<=", "(", ")", "{", "}", ";", " ", "  ", "\n", "\t", "9", "0xABC",
        "\"\"", "zeta99", "!=", "-", "->", ",",
    };
    enum { NP = sizeof pieces / sizeof pieces[0] };
    size_t n = 0;
    while (n < len) {
        const char *p = pieces[rng() % NP];
        size_t l = strlen(p);
        if (n + l > len)
            break;
        memcpy(t + n, p, l);
        n += l;
        if (rng() % 3 == 0 && n < len)
            t[n++] = ' ';
    }
    return n;
}

static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_hex(int c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

static uint64_t k_fsm(double scale)
{
    enum { LEN = 1 << 16 };
    static unsigned char text[LEN + 1];
    size_t len = gen_text(text, LEN);
    text[len] = 0;
    long rounds = iters(280, scale);
    go();
    uint64_t count[9] = {0}, h = CHECK0, value = 0;
    for (long r = 0; r < rounds; r++) {
        int s = S_START;
        for (size_t i = 0; i <= len; i++) {
            int c = text[i];
        again:
            switch (s) {
            case S_START:
                if (c == 0)
                    break;
                if (is_alpha(c)) {
                    s = S_WORD;
                    value = (uint64_t)c;
                } else if (c == '0' && text[i + 1] == 'x') {
                    s = S_HEX;
                    value = 0;
                    i++;
                } else if (is_digit(c)) {
                    s = S_NUM;
                    value = (uint64_t)(c - '0');
                } else if (c == '"') {
                    s = S_STR;
                    value = 0;
                } else if (c == '#') {
                    s = S_COMMENT;
                } else if (c == ' ' || c == '\t' || c == '\n') {
                    count[S_START]++;
                } else {
                    s = S_OP;
                    value = (uint64_t)c;
                }
                break;
            case S_WORD:
                if (is_alpha(c) || is_digit(c)) {
                    value = value * 31 + (uint64_t)c;
                } else {
                    count[S_WORD]++;
                    h = mix(h, value);
                    s = S_START;
                    goto again;
                }
                break;
            case S_NUM:
                if (is_digit(c)) {
                    value = value * 10 + (uint64_t)(c - '0');
                } else if (c == '.') {
                    s = S_FRAC;
                } else {
                    count[S_NUM]++;
                    h ^= value;
                    s = S_START;
                    goto again;
                }
                break;
            case S_HEX:
                if (is_hex(c)) {
                    value = value * 16 + (uint64_t)(is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
                } else {
                    count[S_HEX]++;
                    h += value;
                    s = S_START;
                    goto again;
                }
                break;
            case S_FRAC:
                if (is_digit(c)) {
                    value = value * 10 + (uint64_t)(c - '0');
                } else {
                    count[S_FRAC]++;
                    h = mix(h, value);
                    s = S_START;
                    goto again;
                }
                break;
            case S_STR:
                if (c == '\\') {
                    s = S_ESC;
                } else if (c == '"' || c == 0) {
                    count[S_STR]++;
                    h += value;
                    s = S_START;
                } else {
                    value += (uint64_t)c;
                }
                break;
            case S_ESC:
                value ^= (uint64_t)c << 3;
                s = S_STR;
                break;
            case S_COMMENT:
                if (c == '\n' || c == 0) {
                    count[S_COMMENT]++;
                    s = S_START;
                }
                break;
            case S_OP:
                if (c == '=' || c == '>') {
                    value = value * 256 + (uint64_t)c;
                    count[S_OP]++;
                    h = mix(h, value);
                    s = S_START;
                } else {
                    count[S_OP]++;
                    h = mix(h, value);
                    s = S_START;
                    goto again;
                }
                break;
            }
        }
        text[r % len] = text[(r * 13) % len];   /* each round's text differs */
    }
    for (int i = 0; i < 9; i++)
        h = mix(h, count[i]);
    return h;
}

/* fp: n-body steps in double precision (sqrt and division every pair);
 * the checksum is the bits of the final energy and positions. */
static uint64_t dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static uint64_t k_fp(double scale)
{
    enum { NB = 8 };
    double x[NB], y[NB], z[NB], vx[NB], vy[NB], vz[NB], m[NB];
    for (int i = 0; i < NB; i++) {
        x[i] = (double)(rng() % 2001) / 100.0 - 10.0;
        y[i] = (double)(rng() % 2001) / 100.0 - 10.0;
        z[i] = (double)(rng() % 2001) / 100.0 - 10.0;
        vx[i] = (double)(rng() % 201) / 1000.0 - 0.1;
        vy[i] = (double)(rng() % 201) / 1000.0 - 0.1;
        vz[i] = (double)(rng() % 201) / 1000.0 - 0.1;
        m[i] = 1.0 + (double)(rng() % 100) / 10.0;
    }
    const double dt = 0.001, soft = 0.01;
    long steps = iters(45000, scale);
    go();
    uint64_t h = CHECK0;
    for (long s = 0; s < steps; s++) {
        for (int i = 0; i < NB; i++)
            for (int j = i + 1; j < NB; j++) {
                double dx = x[i] - x[j], dy = y[i] - y[j], dz = z[i] - z[j];
                double d2 = dx * dx + dy * dy + dz * dz + soft;
                double d = sqrt(d2);
                double mag = dt / (d2 * d);
                vx[i] -= dx * m[j] * mag;
                vy[i] -= dy * m[j] * mag;
                vz[i] -= dz * m[j] * mag;
                vx[j] += dx * m[i] * mag;
                vy[j] += dy * m[i] * mag;
                vz[j] += dz * m[i] * mag;
            }
        for (int i = 0; i < NB; i++) {
            x[i] += dt * vx[i];
            y[i] += dt * vy[i];
            z[i] += dt * vz[i];
        }
    }
    double e = 0;
    for (int i = 0; i < NB; i++) {
        e += 0.5 * m[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
        for (int j = i + 1; j < NB; j++) {
            double dx = x[i] - x[j], dy = y[i] - y[j], dz = z[i] - z[j];
            e -= m[i] * m[j] / sqrt(dx * dx + dy * dy + dz * dz + soft);
        }
        h = mix(h, dbits(x[i]));
        h = mix(h, dbits(y[i]));
        h = mix(h, dbits(z[i]));
    }
    return mix(h, dbits(e));
}

/* div: 64-bit and 32-bit division and remainder, signed and unsigned:
 * gcds, modular exponentiation, and mixed quotients of random operands. */
static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static uint32_t gcd32(uint32_t a, uint32_t b)
{
    while (b) {
        uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static uint64_t powmod(uint64_t b, uint64_t e, uint64_t m)   /* m < 2^32 */
{
    uint64_t r = 1 % m;
    b %= m;
    while (e) {
        if (e & 1)
            r = r * b % m;
        b = b * b % m;
        e >>= 1;
    }
    return r;
}

static uint64_t k_div(double scale)
{
    long n = iters(1300000, scale);
    go();
    uint64_t h = CHECK0, acc = 0;
    for (long i = 0; i < n; i++) {
        uint64_t u = rng(), v = rng();
        uint64_t d64 = (v >> (v & 31)) | 1;                  /* nonzero */
        int64_t s = (int64_t)u, sd = (int64_t)(v >> 3) - (int64_t)(1ull << 60);
        if (sd == 0 || sd == -1)
            sd = 7;
        uint32_t u32 = (uint32_t)u, d32 = (uint32_t)(v >> 32) | 1;
        int32_t s32 = (int32_t)u32, sd32 = (int32_t)(v >> 40) - (1 << 23);
        if (sd32 == 0 || sd32 == -1)
            sd32 = 3;
        acc += u / d64 + u % d64;
        acc ^= (uint64_t)(s / sd) + (uint64_t)(s % sd);
        acc += (uint64_t)(u32 / d32) + (uint64_t)(u32 % d32);
        acc ^= (uint64_t)(int64_t)(s32 / sd32) + (uint64_t)(int64_t)(s32 % sd32);
        acc += gcd64(u >> (u & 15), v | 1) + gcd32(u32 >> 4, d32);
        if ((i & 7) == 0)
            acc ^= powmod(u, v, 4294967291u);               /* a prime < 2^32 */
        if ((i & 255) == 0)
            h = mix(h, acc);
    }
    return mix(h, acc);
}

/* Instructions retired: rdinstret where user mode may read it (the
 * machine's M- and S-mode counter enables decide; a SIGILL says no). */
#if defined(__riscv)
static sigjmp_buf ill_jmp;

static void on_sigill(int sig)
{
    (void)sig;
    siglongjmp(ill_jmp, 1);
}

static uint64_t instret(void)
{
    uint64_t x;
    __asm__ volatile("rdinstret %0" : "=r"(x));
    return x;
}

static int instret_works(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigill;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGILL, &sa, &old);
    int ok = 0;
    if (sigsetjmp(ill_jmp, 1) == 0) {
        uint64_t a = instret(), b = instret();
        ok = b > a;          /* a counter that reads 0 or stands still is no use */
    }
    sigaction(SIGILL, &old, NULL);
    return ok;
}
#else
static uint64_t instret(void) { return 0; }
static int instret_works(void) { return 0; }
#endif

/* The kernel table and the command line. */
static const struct kernel {
    const char *name;
    uint64_t (*fn)(double scale);
} kernels[] = {
    {"list", k_list}, {"matmul", k_matmul}, {"crc", k_crc},
    {"fsm", k_fsm}, {"fp", k_fp}, {"div", k_div},
};
enum { NK = sizeof kernels / sizeof kernels[0] };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int find_kernel(const char *name)
{
    for (int k = 0; k < NK; k++)
        if (strcmp(kernels[k].name, name) == 0)
            return k;
    return -1;
}

static int parse_scale(const char *s, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || *end || errno || !(d > 0) || d > 1000)
        return -1;
    *out = d;
    return 0;
}

int main(int argc, char **argv)
{
    double scale = 1.0;
    int pick[NK], npick = 0;
    for (int i = 1; i < argc; i++) {
        int k = find_kernel(argv[i]);
        if (k >= 0) {
            pick[npick++] = k;
            if (npick > NK) {
                fprintf(stderr, "kernels: too many kernel names\n");
                return 2;
            }
        } else if (i == 1 && (argv[i][0] == '.' || (argv[i][0] >= '0' && argv[i][0] <= '9'))) {
            if (parse_scale(argv[i], &scale)) {
                fprintf(stderr, "kernels: bad scale '%s' (a number above 0, at most 1000)\n", argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr, "kernels: unknown kernel '%s' (usage: kernels [SCALE] "
                    "[list|matmul|crc|fsm|fp|div...])\n", argv[i]);
            return 2;
        }
    }
    if (npick == 0)
        for (int k = 0; k < NK; k++)
            pick[npick++] = k;
    have_insns = instret_works();
    for (int i = 0; i < npick; i++) {
        const struct kernel *k = &kernels[pick[i]];
        rng_state = 0x243f6a8885a308d3ull ^ (uint64_t)pick[i];  /* per-kernel data */
        uint64_t check = k->fn(scale);
        double t = now() - t_go;
        uint64_t i1 = have_insns ? instret() : 0;
        if (have_insns)
            printf("kernel %s %.6f check=%016llx insns=%llu\n", k->name, t,
                   (unsigned long long)check, (unsigned long long)(i1 - i_go));
        else
            printf("kernel %s %.6f check=%016llx\n", k->name, t, (unsigned long long)check);
        fflush(stdout);
    }
    return 0;
}
