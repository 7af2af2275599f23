/* Snapshots of a whole machine: a directory holding `memory` (guest RAM,
 * sparse) and `state` (the state file: the machine's config, then its
 * records from board_save). The state file is written last and renamed
 * into place, so a directory whose snapshot failed midway holds no state
 * file and cannot be restored by mistake. */
#ifndef CELLA_VM_SNAPSHOT_SNAPSHOT_H
#define CELLA_VM_SNAPSHOT_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/rec.h"
#include "vm/config.h"

struct err;
struct machine;

/* Save the paused machine m into dir (made if missing). A dir that holds
 * a snapshot already is refused unless force. -1 with e filled; then no
 * state file is left in dir. */
int snapshot_save(struct machine *m, const char *dir, bool force,
                  struct err *e);

/* A snapshot read back: its config, and its machine records. */
struct snapshot {
    struct vm_config cfg;       /* strings owned here */
    struct rec_in records;      /* board_load reads these */
    char *memory_path;          /* dir/memory */
    uint8_t *file;              /* the state file, whole */
};

/* Read and check dir's state file and its config record. -1 with e
 * filled. */
int snapshot_open(const char *dir, struct snapshot *s, struct err *e);
/* The same for a state file already read (file, len bytes, malloc'd: s
 * owns it from here, also on failure); name is for messages. */
int snapshot_parse(struct snapshot *s, uint8_t *file, size_t len,
                   const char *name, struct err *e);
void snapshot_close(struct snapshot *s);

#endif
