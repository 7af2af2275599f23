/* Running from a sealed memfd copy of our own binary: the check that we
 * already do, and the copy, seal (tried again while the kernel finds a
 * page of the copy in use) and fexecve when we do not. */
#include "oci/selfexe.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

/* Copy all of src (size bytes) into dst. */
static int copy_all(int dst, int src, off_t size)
{
    off_t off = 0;
    while (off < size) {
        ssize_t n = sendfile(dst, src, &off, (size_t)(size - off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = EIO;
            return -1;
        }
    }
    return 0;
}

/* Adding F_SEAL_WRITE fails with EBUSY when a page of the memfd still
 * has a reference besides the page cache's after the kernel drained the
 * per-CPU LRU batches once and then waited about 150 ms. Such references
 * are brief and not ours: proactive reclaim (DAMON's pageout, kdamond)
 * isolates unmapped pages of new files, ours too, and puts them back
 * through its own CPU's LRU batch, which holds a reference until drained;
 * a batch filled after the kernel's one drain outlives the wait. Each new
 * call drains the batches again. A writable shared mapping (the other
 * EBUSY) cannot be: the copy is never mapped. */
#define SEAL_TRIES 5

int selfexe_seal(int fd)
{
    for (int tries = 1;; tries++) {
        if (fcntl(fd, F_ADD_SEALS, SEALS) == 0)
            return 0;
        if (errno != EBUSY || tries == SEAL_TRIES)
            return -1;
    }
}

/* How much of the ELF file the loader uses: up to the end of its last
 * loaded segment. Debug sections and the section table lie past it and
 * need not be copied (most of a -g build). The whole size when the
 * headers do not read as a 64-bit ELF. */
static off_t loaded_size(int fd, off_t size)
{
    Elf64_Ehdr eh;
    if (pread(fd, &eh, sizeof eh, 0) != sizeof eh ||
        memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
        eh.e_phnum > 64)
        return size;
    Elf64_Phdr ph[64];
    size_t len = eh.e_phnum * sizeof ph[0];
    if (pread(fd, ph, len, (off_t)eh.e_phoff) != (ssize_t)len)
        return size;
    uint64_t end = eh.e_phoff + len;
    for (int i = 0; i < eh.e_phnum; i++)
        if (ph[i].p_offset + ph[i].p_filesz > end)
            end = ph[i].p_offset + ph[i].p_filesz;
    return end < (uint64_t)size ? (off_t)end : size;
}

int selfexe_ensure(char **argv, struct err *e)
{
    int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (exe < 0)
        return err_set(e, errno, "open /proc/self/exe");
    int seals = fcntl(exe, F_GET_SEALS);
    if (seals >= 0 && (seals & F_SEAL_WRITE)) {
        close(exe);
        return 0;
    }
    struct stat st;
    if (fstat(exe, &st) < 0) {
        int en = errno;
        close(exe);
        return err_set(e, en, "stat /proc/self/exe");
    }
    int mfd = memfd_exec("cella", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0) {
        int en = errno;
        close(exe);
        return err_set(e, en, "memfd_create for a sealed copy of cella");
    }
    int rc = copy_all(mfd, exe, loaded_size(exe, st.st_size));
    int en = errno;
    close(exe);
    if (rc < 0) {
        close(mfd);
        return err_set(e, en, "copying /proc/self/exe into a memfd");
    }
    if (selfexe_seal(mfd) < 0) {
        en = errno;
        close(mfd);
        return err_set(e, en, "sealing the memfd copy of cella");
    }
    fexecve(mfd, argv, environ);
    en = errno;
    close(mfd);
    return err_set(e, en, "re-executing cella from its sealed copy");
}
