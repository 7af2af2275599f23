/* Boot image loading: format detection, bounds checks, placement. */
#include "vm/loader.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/util.h"
#include "vm/bus.h"

#ifndef EM_RISCV
#define EM_RISCV 243
#endif

struct file {
    const char *path;
    uint8_t *data;
    size_t len;
};

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Copy len bytes of the file at off into guest RAM at pa, zero-filling up
 * to memsz. */
static int place(struct bus *b, const struct file *f, uint64_t off,
                 uint64_t len, uint64_t pa, uint64_t memsz, struct err *e)
{
    uint8_t *dst = bus_ram_ptr(b, pa, memsz);
    if (!dst)
        return err_set(e, 0, "'%s' does not fit in guest RAM (0x%llx bytes "
                       "at 0x%llx)", f->path, (unsigned long long)memsz,
                       (unsigned long long)pa);
    memcpy(dst, f->data + off, len);
    memset(dst + len, 0, memsz - len);
    return 0;
}

static bool is_elf(const struct file *f)
{
    return f->len >= 4 && !memcmp(f->data, ELFMAG, SELFMAG);
}

static int elf_header(const struct file *f, const Elf64_Ehdr **out,
                      struct err *e)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f->data;
    if (f->len < sizeof *eh)
        return err_set(e, 0, "'%s' is a truncated ELF file", f->path);
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_RISCV)
        return err_set(e, 0, "'%s' is not a 64-bit RISC-V ELF file "
                       "(machine %u)", f->path, eh->e_machine);
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff % 8 ||
        eh->e_phoff > f->len ||
        (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > f->len - eh->e_phoff)
        return err_set(e, 0, "'%s': bad ELF program headers", f->path);
    *out = eh;
    return 0;
}

/* The ELF's `tohost` symbol, or 0. */
static uint64_t elf_tohost(const struct file *f, const Elf64_Ehdr *eh)
{
    if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff % 8 ||
        eh->e_shoff > f->len ||
        (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > f->len - eh->e_shoff)
        return 0;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(f->data + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
            continue;
        const Elf64_Shdr *st = &sh[sh[i].sh_link];
        if (sh[i].sh_offset % 8 || sh[i].sh_offset > f->len ||
            sh[i].sh_size > f->len - sh[i].sh_offset ||
            st->sh_offset > f->len || st->sh_size > f->len - st->sh_offset)
            return 0;
        const Elf64_Sym *sym = (const Elf64_Sym *)(f->data + sh[i].sh_offset);
        const char *names = (const char *)f->data + st->sh_offset;
        for (uint64_t k = 0; k < sh[i].sh_size / sizeof *sym; k++) {
            uint32_t n = sym[k].st_name;
            if (n < st->sh_size && st->sh_size - n > 6 &&
                !memcmp(names + n, "tohost", 7))
                return sym[k].st_value;
        }
    }
    return 0;
}

/* Load every PT_LOAD segment. With reloc != 0, segments go to reloc plus
 * their offset from the lowest one (and the entry moves with them). */
static int load_elf(struct bus *b, const struct file *f, uint64_t reloc,
                    struct loaded *out, struct err *e)
{
    const Elf64_Ehdr *eh = 0;
    if (elf_header(f, &eh, e) < 0)
        return -1;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(f->data + eh->e_phoff);
    uint64_t lowest = UINT64_MAX;
    bool in_ram = true;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
            continue;
        if (ph[i].p_offset > f->len ||
            ph[i].p_filesz > f->len - ph[i].p_offset ||
            ph[i].p_filesz > ph[i].p_memsz)
            return err_set(e, 0, "'%s' is truncated or has a bad segment",
                           f->path);
        if (ph[i].p_paddr < lowest)
            lowest = ph[i].p_paddr;
        if (!bus_ram_ptr(b, ph[i].p_paddr, ph[i].p_memsz))
            in_ram = false;
    }
    if (lowest == UINT64_MAX)
        return err_set(e, 0, "'%s' has nothing to load", f->path);
    int64_t shift = 0;
    if (!in_ram) {
        if (!reloc)
            return err_set(e, 0, "'%s' has a segment outside guest RAM",
                           f->path);
        shift = (int64_t)(reloc - lowest);
    }
    out->end = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
            continue;
        uint64_t pa = ph[i].p_paddr + (uint64_t)shift;
        if (place(b, f, ph[i].p_offset, ph[i].p_filesz, pa, ph[i].p_memsz,
                  e) < 0)
            return -1;
        if (pa + ph[i].p_memsz > out->end)
            out->end = pa + ph[i].p_memsz;
    }
    uint64_t entry = eh->e_entry;
    if (!in_ram) {
        /* vmlinux: the entry is a virtual address; keep its offset. */
        uint64_t lowest_v = UINT64_MAX;
        for (unsigned i = 0; i < eh->e_phnum; i++)
            if (ph[i].p_type == PT_LOAD && ph[i].p_memsz &&
                ph[i].p_vaddr < lowest_v)
                lowest_v = ph[i].p_vaddr;
        entry = reloc + (entry - lowest_v);
    }
    out->entry = entry;
    out->tohost = elf_tohost(f, eh);
    return 0;
}

/* Size a PE/COFF header (EFI stub) says the file has, or 0 if none. */
static uint64_t pe_file_size(const struct file *f)
{
    uint32_t pe = rd32(f->data + 60);
    if (pe < 64 || pe > f->len || f->len - pe < 24 ||
        memcmp(f->data + pe, "PE\0\0", 4))
        return 0;
    unsigned nsec = f->data[pe + 6] | f->data[pe + 7] << 8;
    unsigned opt = f->data[pe + 20] | f->data[pe + 21] << 8;
    uint64_t sec = (uint64_t)pe + 24 + opt;
    uint64_t need = sec + 40ull * nsec;
    for (unsigned i = 0; i < nsec && sec + 40ull * (i + 1) <= f->len; i++) {
        const uint8_t *s = f->data + sec + 40ull * i;
        uint64_t end = (uint64_t)rd32(s + 20) + rd32(s + 16);
        if (end > need)
            need = end;
    }
    return need;
}

static int load_image(struct bus *b, const struct file *f, uint64_t addr,
                      struct loaded *out, struct err *e)
{
    if (f->len < 64)
        return err_set(e, 0, "kernel '%s' is truncated (%zu bytes)", f->path,
                       f->len);
    if (memcmp(f->data + 56, "RSC\x05", 4))
        return err_set(e, 0, "'%s' is neither a RISC-V Linux Image nor an "
                       "ELF file", f->path);
    uint64_t image_size = rd64(f->data + 16);
    uint64_t need = pe_file_size(f);
    if (need > f->len)
        return err_set(e, 0, "kernel '%s' is truncated (%zu bytes, its header "
                       "says %llu)", f->path, f->len, (unsigned long long)need);
    if (image_size < f->len)
        image_size = f->len;
    if (place(b, f, 0, f->len, addr, image_size, e) < 0)
        return -1;
    out->entry = addr;
    out->end = addr + image_size;
    out->tohost = 0;
    return 0;
}

static int open_file(struct file *f, const char *path, const char *what,
                     struct err *e)
{
    f->path = path;
    if (read_file(path, &f->data, &f->len, e) < 0)
        return -1;
    if (!f->len) {
        free(f->data);
        return err_set(e, 0, "%s '%s' is empty", what, path);
    }
    return 0;
}

int load_kernel(struct bus *b, const char *path, uint64_t load_addr,
                struct loaded *out, struct err *e)
{
    struct file f;
    if (open_file(&f, path, "kernel", e) < 0)
        return -1;
    int r = is_elf(&f) ? load_elf(b, &f, load_addr, out, e)
                       : load_image(b, &f, load_addr, out, e);
    free(f.data);
    return r;
}

int load_firmware(struct bus *b, const char *path, struct loaded *out,
                  struct err *e)
{
    struct file f;
    if (open_file(&f, path, "firmware", e) < 0)
        return -1;
    int r;
    if (is_elf(&f)) {
        r = load_elf(b, &f, 0, out, e);
    } else {
        r = place(b, &f, 0, f.len, b->ram_base, f.len, e);
        out->entry = b->ram_base;
        out->end = b->ram_base + f.len;
        out->tohost = 0;
    }
    free(f.data);
    return r;
}

int load_initrd(struct bus *b, const char *path, uint64_t above,
                uint64_t below, uint64_t *start, uint64_t *end,
                struct err *e)
{
    struct file f;
    if (open_file(&f, path, "initrd", e) < 0)
        return -1;
    uint64_t s = (below - f.len) & ~0xfffull;
    if (f.len > below || below - f.len < above || s < above) {
        free(f.data);
        return err_set(e, 0, "initrd '%s' (%zu bytes) does not fit in guest "
                       "RAM", path, f.len);
    }
    int r = place(b, &f, 0, f.len, s, f.len, e);
    *start = s;
    *end = s + f.len;
    free(f.data);
    return r;
}
