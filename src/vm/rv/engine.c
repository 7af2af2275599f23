/* The two engines of the RISC-V CPU: the interpreter, and the translator
 * (which interprets what it does not translate). They share the hart's
 * state and its run loop, hart_exec; the translator's harts carry a code
 * buffer that hart_exec enters for hot blocks. */
#include "vm/rv/engine.h"

#include "vm/rv/hart_state.h"

static int init_interp(struct hart *h, const struct hart_env *env,
                       unsigned id, struct err *e)
{
    return hart_init(h, env, false, id, e);
}

static int init_jit(struct hart *h, const struct hart_env *env, unsigned id,
                    struct err *e)
{
    return hart_init(h, env, true, id, e);
}

static const struct engine_ops engines[] = {
    [ENGINE_JIT] = {"jit", init_jit, hart_run, hart_kick, hart_reset,
                    tlb_forget_writes, hart_save, hart_load, hart_destroy},
    [ENGINE_INTERP] = {"interp", init_interp, hart_run, hart_kick,
                       hart_reset, tlb_forget_writes, hart_save, hart_load,
                       hart_destroy},
};

const struct engine_ops *engine_ops(enum engine e)
{
    return &engines[e];
}
