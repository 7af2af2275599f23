/* GET /machine: the state, the config the machine runs with, its harts,
 * the board table's populated devices (with a virtio device's request and
 * byte counters), the guest's uptime (its clock: pauses do not count),
 * and the progress of the last migration. */
#include "vm/api/machine_json.h"

#include <stdio.h>

#include "vm/rv/engine.h"
#include "vm/virtio/mmio.h"

const char *api_state_name(enum machine_state s)
{
    switch (s) {
    case MACHINE_RUNNING: return "running";
    case MACHINE_PAUSED: return "paused";
    case MACHINE_STOPPED: break;
    }
    return "stopped";
}

/* A string member, or null for a missing value. */
static void add_str(json_object *o, const char *key, const char *v)
{
    json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

static void add_u64(json_object *o, const char *key, uint64_t v)
{
    json_object_object_add(o, key, json_object_new_uint64(v));
}

static json_object *config_json(const struct machine *m)
{
    static const char *const kinds[] = {
        [VM_DEV_DISK] = "disk", [VM_DEV_NET] = "net", [VM_DEV_SHARE] = "share",
    };
    const struct vm_config *c = &m->cfg;
    json_object *o = json_object_new_object();
    add_str(o, "kernel", c->kernel);
    add_str(o, "initrd", c->initrd);
    add_str(o, "append", c->append);
    add_str(o, "bios", c->bios);
    add_u64(o, "mem", c->mem_size);
    add_u64(o, "cpus", c->cpus);
    add_str(o, "engine", m->engine->name);
    json_object *devs = json_object_new_array();
    for (unsigned i = 0; i < c->ndevs; i++) {
        json_object *d = json_object_new_object();
        add_str(d, "kind", kinds[c->devs[i].kind]);
        add_str(d, "arg", c->devs[i].arg);
        json_object_array_add(devs, d);
    }
    json_object_object_add(o, "devices", devs);
    return o;
}

/* The table's entries with a device behind them: every fixed one, and the
 * virtio slots that hold one. */
static json_object *devices_json(const struct machine *m)
{
    json_object *a = json_object_new_array();
    for (unsigned i = 0; i < BOARD_NDEVS; i++) {
        const struct board_dev *b = &board_devs[i];
        struct virtio_dev *v = NULL;
        if (i >= BOARD_VIRTIO0) {
            if (i - BOARD_VIRTIO0 >= m->nvirtio)
                continue;
            v = m->virtio[i - BOARD_VIRTIO0];
        }
        json_object *d = json_object_new_object();
        add_str(d, "name", b->name);
        add_u64(d, "base", b->base);
        add_u64(d, "irq", b->irq);
        if (v) {
            uint64_t requests, bytes;
            virtio_counters(v, &requests, &bytes);
            add_str(d, "type", v->ops->name);
            add_u64(d, "requests", requests);
            add_u64(d, "bytes", bytes);
        }
        json_object_array_add(a, d);
    }
    return a;
}

json_object *api_migration_json(const struct migration_progress *p)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    add_str(o, "status", migration_status_name(p->status));
    add_u64(o, "round", p->round);
    add_u64(o, "bytes_sent", p->bytes_sent);
    add_u64(o, "pages_sent", p->pages_sent);
    add_u64(o, "zero_pages", p->zero_pages);
    add_u64(o, "dirty_pages_per_s", p->dirty_pages_per_s);
    add_u64(o, "bandwidth_bytes_per_s", p->bandwidth_bytes_per_s);
    add_u64(o, "expected_downtime_ms", p->expected_downtime_ms);
    add_u64(o, "throttle_pct", p->throttle_pct);
    char ms[32];
    snprintf(ms, sizeof ms, "%.3f", p->downtime_us / 1000.0);
    json_object_object_add(o, "downtime_ms",
                           json_object_new_double_s(p->downtime_us / 1000.0,
                                                    ms));
    add_u64(o, "total_ms", p->total_ms);
    if (p->error[0])
        add_str(o, "error", p->error);
    return o;
}

json_object *api_machine_json(struct machine *m)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    add_str(o, "state", api_state_name(machine_state(m)));
    json_object_object_add(o, "config", config_json(m));
    add_u64(o, "harts", m->nharts);
    json_object_object_add(o, "devices", devices_json(m));
    add_u64(o, "uptime_ms",
            vm_clock_now(&m->clock) / (TIMEBASE_HZ / 1000));
    struct migration_progress p;
    migration_progress(m, &p);
    json_object_object_add(o, "migration", api_migration_json(&p));
    return o;
}
