/* The default busybox rootfs and image unpacking for `cella ct run`. */
#include "ct/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"

#define BUSYBOX "/bin/busybox"

/* Run argv with stdout into out_fd and stderr into err_fd (-1:
 * inherited); 0 on exit status 0. */
static int run(char *const argv[], int out_fd, int err_fd, struct err *e)
{
    pid_t pid = fork();
    if (pid < 0)
        return err_set(e, errno, "fork");
    if (pid == 0) {
        if (out_fd >= 0)
            dup2(out_fd, 1);
        if (err_fd >= 0)
            dup2(err_fd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return err_set(e, errno, "wait for %s", argv[0]);
    if (!WIFEXITED(status) || WEXITSTATUS(status))
        return err_set(e, 0, "%s failed", argv[0]);
    return 0;
}

static int copy_file(const char *from, const char *to, mode_t mode,
                     struct err *e)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return err_set(e, errno, "%s (apt-get install busybox-static)", from);
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (out < 0) {
        close(in);
        return err_set(e, errno, "%s", to);
    }
    char buf[65536];
    ssize_t n;
    int r = 0;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            r = err_set(e, errno, "write %s", to);
            break;
        }
    if (n < 0)
        r = err_set(e, errno, "read %s", from);
    close(in);
    close(out);
    return r;
}

static int write_text(const char *path, const char *text, struct err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return err_set(e, errno, "%s", path);
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : err_set(e, errno, "%s", path);
}

/* Symlinks bin/<applet> -> busybox for every applet it lists. */
static int link_applets(const char *root, struct err *e)
{
    char list[PATH_MAX + 16];
    snprintf(list, sizeof list, "%s/.applets", root);
    int fd = open(list, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(e, errno, "%s", list);
    char *const argv[] = {BUSYBOX, "--list", NULL};
    int r = run(argv, fd, -1, e);
    close(fd);
    FILE *f = r == 0 ? fopen(list, "re") : NULL;
    char name[256], link[PATH_MAX + 300];
    while (f && fgets(name, sizeof name, f)) {
        name[strcspn(name, "\n")] = 0;
        if (!*name || strchr(name, '/') || !strcmp(name, "busybox"))
            continue;
        snprintf(link, sizeof link, "%s/bin/%s", root, name);
        if (symlink("busybox", link) < 0 && errno != EEXIST) {
            r = err_set(e, errno, "%s", link);
            break;
        }
    }
    if (f)
        fclose(f);
    unlink(list);
    return r;
}

static int build(const char *root, struct err *e)
{
    static const char *const dirs[] = {"bin", "etc", "proc", "sys", "dev",
                                       "tmp", "root", "mnt"};
    char path[PATH_MAX + 32];
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
        if (mkdir(path, 0755) < 0)
            return err_set(e, errno, "%s", path);
    }
    snprintf(path, sizeof path, "%s/bin/busybox", root);
    if (copy_file(BUSYBOX, path, 0755, e) < 0 || link_applets(root, e) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/etc/passwd", root);
    if (write_text(path, "root:x:0:0:root:/root:/bin/sh\n"
                         "nobody:x:65534:65534:nobody:/:/bin/false\n", e) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/etc/group", root);
    return write_text(path, "root:x:0:\nnobody:x:65534:\n", e);
}

int ct_default_rootfs(const char *dir, char *out, size_t size, struct err *e)
{
    snprintf(out, size, "%s/busybox", dir);
    struct stat sb;
    if (stat(out, &sb) == 0 && S_ISDIR(sb.st_mode))
        return 0;
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", dir);
    for (char *p = strchr(parent + 1, '/');; p = strchr(p + 1, '/')) {
        if (p)
            *p = 0;
        if (mkdir(parent, 0755) < 0 && errno != EEXIST)
            return err_set(e, errno, "%s", parent);
        if (!p)
            break;
        *p = '/';
    }
    /* Made beside and renamed into place, so a half-made one is never
     * used and two first runs do not collide. */
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/.busybox-XXXXXX", dir);
    if (!mkdtemp(tmp))
        return err_set(e, errno, "%s", tmp);
    chmod(tmp, 0755);
    if (build(tmp, e) < 0) {
        ct_remove_tree(tmp);
        return -1;
    }
    if (rename(tmp, out) < 0) {
        ct_remove_tree(tmp);
        if (errno != EEXIST && errno != ENOTEMPTY)
            return err_set(e, errno, "%s", out);
    }
    return 0;
}

int ct_unpack_image(const char *tarball, const char *dest, struct err *e)
{
    if (access(tarball, R_OK) < 0)
        return err_set(e, errno, "image %s", tarball);
    if (mkdir(dest, 0755) < 0)
        return err_set(e, errno, "%s", dest);
    /* tar's complaints are kept, and the first one goes in our one-line
     * error. */
    int errs = memfd_create("tar-errors", MFD_CLOEXEC);
    if (errs < 0)
        return err_set(e, errno, "memfd_create");
    char *const argv[] = {"/bin/tar", "-x", "--no-same-owner", "-C",
                          (char *)dest, "-f", (char *)tarball, NULL};
    int r = run(argv, -1, errs, e);
    if (r < 0) {
        char why[256];
        ssize_t n = pread(errs, why, sizeof why - 1, 0);
        why[n > 0 ? n : 0] = 0;
        why[strcspn(why, "\n")] = 0;
        err_set(e, 0, "image %s: tar could not unpack it%s%s%s", tarball,
                *why ? " (" : "", why, *why ? ")" : "");
    }
    close(errs);
    return r;
}

static int remove_one(const char *path, const struct stat *sb, int flag,
                      struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

void ct_remove_tree(const char *path)
{
    nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}
