/* The seam between the board and the CPU: an engine runs harts, and is a
 * small set of operations chosen by an enum engine. The board's vCPU loop
 * calls only these; the interpreter and the translator implement them
 * (and another engine, hardware virtualization say, would implement them
 * again). */
#ifndef CELLA_VM_RV_ENGINE_H
#define CELLA_VM_RV_ENGINE_H

#include "vm/rv/hart.h"

struct err;
struct rec_in;
struct rec_out;

enum engine {
    ENGINE_JIT,         /* translate hot code to x86-64, interpret the rest */
    ENGINE_INTERP,      /* interpret everything */
};

struct engine_ops {
    const char *name;   /* as --engine names it */
    /* Set up hart id in env in its reset state. 0; -1 with e filled; or 1
     * when this engine cannot run on this host (e says why): the hart is
     * then set up for ENGINE_INTERP, which always can. */
    int (*init)(struct hart *h, const struct hart_env *env, unsigned id,
                struct err *e);
    /* Run until an exit: a slice of about n taken branches, or something
     * the board answers (an SBI call). */
    enum hart_exit (*run)(struct hart *h, unsigned n);
    /* Make a running or sleeping hart look at its pending work; any
     * thread. */
    void (*kick)(struct hart *h);
    /* Back to the reset state (M-mode, pc 0, no reservations, timers off),
     * everything cached about the old state dropped. */
    void (*reset)(struct hart *h);
    /* Have the hart's next write to any page mark it in the bus's dirty
     * log (bus.h) again; while the hart does not run. */
    void (*forget_writes)(struct hart *h);
    /* The hart's state as its record, and back (hart_state.h); while
     * the hart does not run. */
    void (*save)(const struct hart *h, struct rec_out *o);
    int (*load)(struct hart *h, struct rec_in *in, struct err *e);
    void (*destroy)(struct hart *h);
};

const struct engine_ops *engine_ops(enum engine e);

#endif
