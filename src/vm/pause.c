/* Pause and resume of a running machine: the vCPUs park between slices,
 * the I/O thread between rounds, and the guest's clock stands still in
 * between, so a resumed machine goes on as if the pause had not been
 * (its timers do not fire in a burst) and a paused one can be looked at
 * whole. */
#include "vm/machine.h"

#include "base/util.h"
#include "vm/iothread.h"
#include "vm/rv/engine.h"

enum machine_state machine_state(struct machine *m)
{
    if (atomic_load(&m->exit_status) >= 0)
        return MACHINE_STOPPED;
    pthread_mutex_lock(&m->pause_lock);
    bool paused = m->paused;
    pthread_mutex_unlock(&m->pause_lock);
    return paused ? MACHINE_PAUSED : MACHINE_RUNNING;
}

void machine_park(struct machine *m)
{
    pthread_mutex_lock(&m->pause_lock);
    m->parked++;
    pthread_cond_broadcast(&m->pause_cond);
    while (atomic_load(&m->pausing) && atomic_load(&m->exit_status) < 0)
        pthread_cond_wait(&m->pause_cond, &m->pause_lock);
    m->parked--;
    pthread_mutex_unlock(&m->pause_lock);
}

/* The vCPUs are told first and kicked out of any sleep; while they reach
 * the end of their slices the I/O thread parks. */
enum machine_state machine_pause(struct machine *m)
{
    enum machine_state s = machine_state(m);
    if (s != MACHINE_RUNNING)
        return s;
    atomic_store(&m->pausing, true);
    for (unsigned i = 0; i < m->nharts; i++)
        m->engine->kick(m->harts[i]);
    iothread_pause(m->io);
    pthread_mutex_lock(&m->pause_lock);
    while (m->parked < m->nharts && atomic_load(&m->exit_status) < 0)
        pthread_cond_wait(&m->pause_cond, &m->pause_lock);
    m->clock.frozen_ns = now_ns();
    m->paused = true;
    pthread_mutex_unlock(&m->pause_lock);
    return machine_state(m);
}

/* The clock moves on before the vCPUs do: the mutex hands them its new
 * origin. */
enum machine_state machine_resume(struct machine *m)
{
    enum machine_state s = machine_state(m);
    if (s != MACHINE_PAUSED)
        return s;
    pthread_mutex_lock(&m->pause_lock);
    m->clock.origin_ns += now_ns() - m->clock.frozen_ns;
    m->clock.frozen_ns = 0;
    m->paused = false;
    atomic_store(&m->pausing, false);
    pthread_cond_broadcast(&m->pause_cond);
    pthread_mutex_unlock(&m->pause_lock);
    iothread_resume(m->io);
    return machine_state(m);
}
