/* Saving a paused machine to a snapshot directory and reading one back:
 * the config record (what the machine was built from), the memory file,
 * and the state file around the machine's records. */
#include "vm/snapshot/snapshot.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "vm/machine.h"
#include "vm/riscv/board.h"
#include "vm/snapshot/config_rec.h"
#include "vm/snapshot/memory.h"
#include "vm/snapshot/state_file.h"

static int join(char *out, const char *dir, const char *name, struct err *e)
{
    if ((size_t)snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
        return err_set(e, ENAMETOOLONG, "%s", dir);
    return 0;
}

int snapshot_save(struct machine *m, const char *dir, bool force,
                  struct err *e)
{
    char state[PATH_MAX], memory[PATH_MAX];
    if (join(state, dir, "state", e) < 0 || join(memory, dir, "memory", e) < 0)
        return -1;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return err_set(e, errno, "cannot make snapshot directory %s", dir);
    if (access(state, F_OK) == 0) {
        if (!force)
            return err_set(e, EEXIST, "%s holds a snapshot already "
                           "(force to replace it)", dir);
        if (unlink(state) < 0)
            return err_set(e, errno, "cannot remove %s", state);
    }
    struct rec_out o = {0};
    config_rec_save(m, &o);
    board_save(m, &o);
    int r = rec_out_check(&o, e);
    if (r == 0)
        r = memory_file_write(memory, m->bus.ram, m->bus.ram_size,
                              m->ram_fd, e);
    if (r == 0)
        r = state_file_write(state, o.buf, o.len, e);
    rec_out_free(&o);
    return r;
}

int snapshot_parse(struct snapshot *s, uint8_t *file, size_t len,
                   const char *name, struct err *e)
{
    *s = (struct snapshot){.file = file};
    const uint8_t *records;
    size_t nrecords;
    if (state_file_parse(file, len, name, &records, &nrecords, e) < 0) {
        snapshot_close(s);
        return -1;
    }
    rec_in_init(&s->records, records, nrecords);
    if (config_rec_load(&s->records, &s->cfg, e) < 0) {
        snapshot_close(s);
        return err_prefix(e, "%s", name);
    }
    return 0;
}

int snapshot_open(const char *dir, struct snapshot *s, struct err *e)
{
    *s = (struct snapshot){0};
    char state[PATH_MAX], memory[PATH_MAX];
    if (join(state, dir, "state", e) < 0 || join(memory, dir, "memory", e) < 0)
        return -1;
    uint8_t *file;
    size_t len;
    if (read_file(state, &file, &len, e) < 0)
        return -1;
    if (snapshot_parse(s, file, len, state, e) < 0)
        return -1;
    s->memory_path = strdup(memory);
    if (!s->memory_path) {
        snapshot_close(s);
        return err_set(e, ENOMEM, "cannot read %s", state);
    }
    return 0;
}

void snapshot_close(struct snapshot *s)
{
    config_rec_free(&s->cfg);
    free(s->memory_path);
    free(s->file);
    *s = (struct snapshot){0};
}
