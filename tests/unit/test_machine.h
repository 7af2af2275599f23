/* For unit tests of one device: a machine with n real harts (hart_init)
 * and no devices or RAM; the test attaches what it needs. Include after
 * cmocka.h. */
#ifndef CELLA_TEST_MACHINE_H
#define CELLA_TEST_MACHINE_H

#include <stdlib.h>

#include "base/util.h"
#include "vm/machine.h"
#include "vm/rv/engine.h"

static inline struct machine *test_machine_new(unsigned nharts)
{
    struct machine *m = calloc(1, sizeof *m);
    assert_non_null(m);
    atomic_init(&m->exit_status, -1);
    m->power = machine_power(m);
    m->engine = engine_ops(ENGINE_INTERP);
    m->ram_fd = -1;
    m->clock.origin_ns = now_ns();
    for (unsigned i = 0; i < nharts; i++) {
        struct hart *h = calloc(1, sizeof *h);
        assert_non_null(h);
        struct hart_env env = machine_hart_env(m);
        assert_int_equal(hart_init(h, &env, false, i, NULL), 0);
        m->harts[i] = h;
        m->nharts = i + 1;
    }
    return m;
}

static inline void test_machine_free(struct machine *m)
{
    for (unsigned i = 0; i < m->nharts; i++) {
        hart_destroy(m->harts[i]);
        free(m->harts[i]);
    }
    free(m);
}

#endif
