/* mounts[].options: the words mount(8) and the runtime spec know become
 * MS_* flags, propagation or recursive attributes; the rest is handed to
 * the file system as its data string. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "base/err.h"
#include "oci/rootfs/internal.h"

/* A word that sets (or, when clear, clears) MS_* flags. */
struct flag_word {
    const char *word;
    unsigned long flag;
    bool clear;
};

#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

static const struct flag_word flag_words[] = {
    { "ro", MS_RDONLY, false },         { "rw", MS_RDONLY, true },
    { "nosuid", MS_NOSUID, false },     { "suid", MS_NOSUID, true },
    { "nodev", MS_NODEV, false },       { "dev", MS_NODEV, true },
    { "noexec", MS_NOEXEC, false },     { "exec", MS_NOEXEC, true },
    { "sync", MS_SYNCHRONOUS, false },  { "async", MS_SYNCHRONOUS, true },
    { "dirsync", MS_DIRSYNC, false },
    { "remount", MS_REMOUNT, false },
    { "mand", MS_MANDLOCK, false },     { "nomand", MS_MANDLOCK, true },
    { "nodiratime", MS_NODIRATIME, false },
    { "diratime", MS_NODIRATIME, true },
    { "lazytime", MS_LAZYTIME, false }, { "nolazytime", MS_LAZYTIME, true },
    { "silent", MS_SILENT, false },     { "loud", MS_SILENT, true },
    { "iversion", MS_I_VERSION, false },
    { "noiversion", MS_I_VERSION, true },
    { "nosymfollow", MS_NOSYMFOLLOW, false },
    { "symfollow", MS_NOSYMFOLLOW, true },
};

/* The atime words pick one of the three modes. */
static const struct {
    const char *word;
    unsigned long set;
} atime_words[] = {
    { "atime", 0 },              { "noatime", MS_NOATIME },
    { "relatime", MS_RELATIME }, { "norelatime", 0 },
    { "strictatime", MS_STRICTATIME }, { "nostrictatime", 0 },
};

/* Recursive attributes (mount_setattr with AT_RECURSIVE). */
static const struct {
    const char *word;
    uint64_t set, clr;
} attr_words[] = {
    { "rro", MOUNT_ATTR_RDONLY, 0 },      { "rrw", 0, MOUNT_ATTR_RDONLY },
    { "rnosuid", MOUNT_ATTR_NOSUID, 0 },  { "rsuid", 0, MOUNT_ATTR_NOSUID },
    { "rnodev", MOUNT_ATTR_NODEV, 0 },    { "rdev", 0, MOUNT_ATTR_NODEV },
    { "rnoexec", MOUNT_ATTR_NOEXEC, 0 },  { "rexec", 0, MOUNT_ATTR_NOEXEC },
    { "rnodiratime", MOUNT_ATTR_NODIRATIME, 0 },
    { "rdiratime", 0, MOUNT_ATTR_NODIRATIME },
    { "rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME },
    { "rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
    { "rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME },
    { "rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0 },
    { "rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW },
};

static const struct {
    const char *word;
    unsigned long flags;
} propagation_words[] = {
    { "private", MS_PRIVATE },        { "rprivate", MS_PRIVATE | MS_REC },
    { "shared", MS_SHARED },          { "rshared", MS_SHARED | MS_REC },
    { "slave", MS_SLAVE },            { "rslave", MS_SLAVE | MS_REC },
    { "unbindable", MS_UNBINDABLE },
    { "runbindable", MS_UNBINDABLE | MS_REC },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

unsigned long mount_propagation_word(const char *word)
{
    for (size_t i = 0; i < COUNT(propagation_words); i++)
        if (!strcmp(word, propagation_words[i].word))
            return propagation_words[i].flags;
    return 0;
}

/* Known words other than data; false when word is data. */
static bool apply_word(struct oci_mount *m, const char *word)
{
    for (size_t i = 0; i < COUNT(flag_words); i++) {
        if (strcmp(word, flag_words[i].word))
            continue;
        if (flag_words[i].clear) {
            m->flags &= ~flag_words[i].flag;
            m->cleared |= flag_words[i].flag;
        } else {
            m->flags |= flag_words[i].flag;
            m->cleared &= ~flag_words[i].flag;
        }
        return true;
    }
    for (size_t i = 0; i < COUNT(atime_words); i++) {
        if (strcmp(word, atime_words[i].word))
            continue;
        m->flags = (m->flags & ~ATIME_FLAGS) | atime_words[i].set;
        m->atime_given = true;
        return true;
    }
    for (size_t i = 0; i < COUNT(attr_words); i++) {
        if (strcmp(word, attr_words[i].word))
            continue;
        m->attr_set = (m->attr_set & ~attr_words[i].clr) | attr_words[i].set;
        m->attr_clr = (m->attr_clr & ~attr_words[i].set) | attr_words[i].clr;
        return true;
    }
    unsigned long p = mount_propagation_word(word);
    if (p) {
        m->propagation = p;
        return true;
    }
    if (!strcmp(word, "bind") || !strcmp(word, "rbind")) {
        m->bind = true;
        m->flags |= MS_BIND | (word[0] == 'r' ? MS_REC : 0);
        return true;
    }
    /* tmpcopyup (copy the image's files into a new tmpfs) is a CRI-O
     * extension this runtime does not do: the tmpfs starts empty. */
    return !strcmp(word, "tmpcopyup");
}

static int append_data(char **data, size_t *len, const char *word,
                       struct err *e)
{
    size_t wl = strlen(word);
    char *d = realloc(*data, *len + wl + 2);
    if (!d)
        return err_set(e, ENOMEM, "out of memory");
    if (*len)
        d[(*len)++] = ',';
    memcpy(d + *len, word, wl + 1);
    *len += wl;
    *data = d;
    return 0;
}

int mount_options_parse(struct oci_mount *m, const char *const *options,
                        size_t n, const char *where, struct err *e)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        const char *w = options[i];
        if (!*w)
            return err_set(e, 0, "config.json: %s.options[%zu]: empty", where,
                           i);
        if (!strcmp(w, "idmap") || !strcmp(w, "ridmap"))
            return err_set(e, 0, "config.json: %s.options[%zu]: %s: not "
                           "supported", where, i, w);
        if (apply_word(m, w))
            continue;
        if (append_data(&m->data, &len, w, e) < 0)
            return -1;
    }
    return 0;
}
