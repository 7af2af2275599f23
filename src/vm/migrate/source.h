/* Live migration, the source's side: a thread that sends the running
 * machine to a target (stream.h) while its guest runs on, pre-copying
 * RAM round after round (the pages the dirty log says were written since
 * the last round) until what is left fits the downtime asked for at the
 * link speed measured; a guest dirtying faster than that has its harts
 * throttled, step by step. Then the machine pauses for the last pages and
 * the device state, the target acknowledges, the disks' locks pass to it,
 * and once it says it runs the migration is over (the caller ends this
 * machine). Until the hand-over, any failure or a cancel leaves the
 * machine running as it was. */
#ifndef CELLA_VM_MIGRATE_SOURCE_H
#define CELLA_VM_MIGRATE_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

struct err;
struct machine;

enum migration_status {
    MIGRATION_NONE,
    MIGRATION_ACTIVE,
    MIGRATION_COMPLETED,
    MIGRATION_FAILED,
    MIGRATION_CANCELLED,
};

struct migration_progress {
    enum migration_status status;
    unsigned round;                 /* 1: all of RAM; then dirty pages */
    uint64_t bytes_sent, pages_sent, zero_pages;
    uint64_t dirty_pages_per_s;     /* in the last round */
    uint64_t bandwidth_bytes_per_s; /* measured in the last round */
    uint64_t expected_downtime_ms;  /* what is dirty now, at that speed */
    unsigned throttle_pct;          /* of the harts' time taken away */
    uint64_t downtime_us;           /* once completed: paused to running */
    uint64_t total_ms;              /* once ended */
    char error[256];                /* failed or cancelled: why */
};

/* The name of a status, as the API shows it. */
const char *migration_status_name(enum migration_status s);

/* Start migrating m (running) to uri, aiming at a pause of at most
 * downtime_ms, sending at most max_bandwidth bytes a second while the
 * guest runs (0: as fast as the link goes; the last round, paused, is
 * never held back). 0, or -1 with e filled (EBUSY: one runs already; the
 * machine does not run). */
int migration_start(struct machine *m, const char *uri, unsigned downtime_ms,
                    uint64_t max_bandwidth, struct err *e);
/* Wait until the migration started last has ended; its progress then. */
void migration_wait(struct machine *m, struct migration_progress *p);
/* Where the last migration is (status NONE: there was none). */
void migration_progress(struct machine *m, struct migration_progress *p);
bool migration_active(struct machine *m);
/* Whether a migration completed: the machine runs on its target now, and
 * must never run here again (it stays paused until it ends). */
bool migration_moved(struct machine *m);
/* Before a machine left paused by a migration that lost its target after
 * the hand-over runs again here: take its disks back. -1 with e filled
 * when another holds one (the target runs the machine: it must not run
 * here too); 0 at once when nothing was let go. */
int migration_reclaim(struct machine *m, struct err *e);
/* Ask the migration to stop; false when none can be (none runs, or the
 * hand-over has begun). */
bool migration_cancel(struct machine *m);
/* The machine's teardown: migration_stop cancels any migration and
 * waits for its thread, before the API stops (a request may wait on
 * it); migration_free frees what is left, after. */
void migration_stop(struct machine *m);
void migration_free(struct machine *m);

#endif
