/* The config record: what a machine was built from (board, RAM, harts,
 * engine, boot images and command line, every device with its back end,
 * as given), at the head of a snapshot's state file and of a migration
 * stream, so the machine can be built again before its state is loaded
 * into it. */
#ifndef CELLA_VM_SNAPSHOT_CONFIG_REC_H
#define CELLA_VM_SNAPSHOT_CONFIG_REC_H

#include "base/rec.h"
#include "vm/config.h"

struct err;
struct machine;

void config_rec_save(const struct machine *m, struct rec_out *o);
/* Read the next record, the config, into c (its strings malloc'd: free
 * with config_rec_free, also on failure). 0, or -1 with e filled: another
 * board, RAM elsewhere or of a size out of range, too many harts or
 * devices. */
int config_rec_load(struct rec_in *in, struct vm_config *c, struct err *e);
void config_rec_free(struct vm_config *c);

#endif
