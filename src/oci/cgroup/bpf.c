/* The device filter of a cgroup v2 directory: the rules compiled into a
 * BPF_PROG_TYPE_CGROUP_DEVICE program (written instruction by instruction
 * against struct bpf_cgroup_dev_ctx), loaded and attached with the raw
 * bpf() system call, replacing the one attached before. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/err.h"
#include "oci/cgroup/internal.h"

/* Registers of the program: the context comes in r1, the verdict goes out
 * in r0. */
enum { R0, R1, R2, R_TYPE, R_ACCESS, R_MAJOR, R_MINOR, R_TMP };

#define MAX_INSNS (8 + 8 * 4096)
#define MAX_OLD 64

struct prog {
    struct bpf_insn *insn;
    size_t n;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src,
                 int16_t off, int32_t imm)
{
    p->insn[p->n++] = (struct bpf_insn){.code = code, .dst_reg = dst,
                                        .src_reg = src, .off = off,
                                        .imm = imm};
}

static void load_ctx(struct prog *p, uint8_t dst, int16_t off)
{
    emit(p, BPF_LDX | BPF_W | BPF_MEM, dst, R1, off, 0);
}

static unsigned devcg_access(unsigned acc)
{
    return (acc & CG_ACC_READ ? BPF_DEVCG_ACC_READ : 0)
        | (acc & CG_ACC_WRITE ? BPF_DEVCG_ACC_WRITE : 0)
        | (acc & CG_ACC_MKNOD ? BPF_DEVCG_ACC_MKNOD : 0);
}

static bool matches_all(const struct cg_dev_rule *d)
{
    return d->type == 'a' && d->major == CG_ANY && d->minor == CG_ANY
        && d->access == CG_ACC_ALL;
}

/* One rule: fall through to "r0 = verdict; exit" when the access matches,
 * else jump past it. An allow rule matches a request it fully covers; a
 * deny rule one that asks for any access it names. */
static void emit_rule(struct prog *p, const struct cg_dev_rule *d)
{
    size_t jumps[4], nj = 0;
    if (d->type != 'a') {
        jumps[nj++] = p->n;
        emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R_TYPE, 0, 0,
             d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
    }
    if (d->access != CG_ACC_ALL) {
        unsigned acc = devcg_access(d->access);
        emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R_TMP, R_ACCESS, 0, 0);
        emit(p, BPF_ALU64 | BPF_AND | BPF_K, R_TMP, 0, 0,
             (int32_t)(d->allow ? ~acc & 7 : acc));
        jumps[nj++] = p->n;
        emit(p, BPF_JMP32 | (d->allow ? BPF_JNE : BPF_JEQ) | BPF_K, R_TMP, 0,
             0, 0);
    }
    if (d->major != CG_ANY) {
        jumps[nj++] = p->n;
        emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R_MAJOR, 0, 0,
             (int32_t)(uint32_t)d->major);
    }
    if (d->minor != CG_ANY) {
        jumps[nj++] = p->n;
        emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R_MINOR, 0, 0,
             (int32_t)(uint32_t)d->minor);
    }
    emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, d->allow);
    emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    for (size_t i = 0; i < nj; i++)
        p->insn[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
}

/* The last rule that matches decides, so the program tries them from the
 * end; one that matches everything hides all before it. Nothing matched:
 * denied. */
static void build(struct prog *p, const struct cg_dev_rule *rules, size_t n)
{
    load_ctx(p, R2, offsetof(struct bpf_cgroup_dev_ctx, access_type));
    emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R_TYPE, R2, 0, 0);
    emit(p, BPF_ALU64 | BPF_AND | BPF_K, R_TYPE, 0, 0, 0xffff);
    emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R_ACCESS, R2, 0, 0);
    emit(p, BPF_ALU64 | BPF_RSH | BPF_K, R_ACCESS, 0, 0, 16);
    load_ctx(p, R_MAJOR, offsetof(struct bpf_cgroup_dev_ctx, major));
    load_ctx(p, R_MINOR, offsetof(struct bpf_cgroup_dev_ctx, minor));
    for (size_t i = n; i-- > 0;) {
        emit_rule(p, &rules[i]);
        if (matches_all(&rules[i]))
            return;
    }
    emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);
    emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
    return (int)syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

static int load(const struct prog *p, struct err *e)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = (uintptr_t)p->insn;
    a.insn_cnt = (uint32_t)p->n;
    a.license = (uintptr_t) "GPL";
    int fd = sys_bpf(BPF_PROG_LOAD, &a);
    if (fd < 0)
        return err_set(e, errno, "cgroup: loading the device filter (%zu "
                       "instructions)", p->n);
    return fd;
}

/* Programs attached to the directory itself, by id. */
static int attached(int dirfd, uint32_t *ids, uint32_t *n, struct err *e)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.query.target_fd = dirfd;
    a.query.attach_type = BPF_CGROUP_DEVICE;
    a.query.prog_ids = (uintptr_t)ids;
    a.query.prog_cnt = *n;
    if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
        return err_set(e, errno, "cgroup: listing device filters");
    *n = a.query.prog_cnt < *n ? a.query.prog_cnt : *n;
    return 0;
}

static int attach(int dirfd, int progfd)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.target_fd = dirfd;
    a.attach_bpf_fd = progfd;
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = BPF_F_ALLOW_MULTI;
    return sys_bpf(BPF_PROG_ATTACH, &a);
}

static int detach(int dirfd, uint32_t id, struct err *e)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_id = id;
    int fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
    if (fd < 0)
        return errno == ENOENT ? 0
                               : err_set(e, errno, "cgroup: device filter %u",
                                         id);
    memset(&a, 0, sizeof a);
    a.target_fd = dirfd;
    a.attach_bpf_fd = fd;
    a.attach_type = BPF_CGROUP_DEVICE;
    int rc = sys_bpf(BPF_PROG_DETACH, &a);
    int saved = errno;
    close(fd);
    if (rc < 0 && saved != ENOENT)
        return err_set(e, saved, "cgroup: detaching device filter %u", id);
    return 0;
}

/* The new filter goes on before the old ones come off, so the container
 * is never without one (while both are on, both must allow). A filter
 * attached without BPF_F_ALLOW_MULTI by someone else has to come off
 * first. */
static int replace(int dirfd, int progfd, struct err *e)
{
    uint32_t old[MAX_OLD], n_old = MAX_OLD;
    if (attached(dirfd, old, &n_old, e) < 0)
        return -1;
    if (attach(dirfd, progfd) < 0) {
        int saved = errno;
        if (!n_old)
            return err_set(e, saved, "cgroup: attaching the device filter");
        for (uint32_t i = 0; i < n_old; i++)
            if (detach(dirfd, old[i], e) < 0)
                return -1;
        n_old = 0;
        if (attach(dirfd, progfd) < 0)
            return err_set(e, errno, "cgroup: attaching the device filter");
    }
    for (uint32_t i = 0; i < n_old; i++)
        if (detach(dirfd, old[i], e) < 0)
            return -1;
    return 0;
}

int cg_bpf_devices(const char *dir, const struct cg_dev_rule *rules, size_t n,
                   struct err *e)
{
    if (n > 4096)
        return err_set(e, 0, "cgroup: %zu device rules are too many", n);
    struct prog p = {calloc(MAX_INSNS, sizeof *p.insn), 0};
    if (!p.insn)
        return err_set(e, ENOMEM, "out of memory");
    build(&p, rules, n);
    int progfd = load(&p, e);
    free(p.insn);
    if (progfd < 0)
        return -1;
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        close(progfd);
        return err_set(e, errno, "cgroup: %s: open", dir);
    }
    int rc = replace(dirfd, progfd, e);
    close(dirfd);
    close(progfd);
    return rc;
}
