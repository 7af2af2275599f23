/* Builds the machine's virtio devices from its config and frees them. */
#include "vm/virtio/devices.h"

#include "base/err.h"
#include "vm/machine.h"
#include "vm/virtio/console.h"
#include "vm/virtio/mmio.h"
#include "vm/virtio/rng.h"

static int attach(struct machine *m, struct virtio_dev *d, struct err *e)
{
    if (!d)
        return -1;
    if (virtio_mmio_attach(d, m, e) < 0) {
        d->ops->destroy(d);
        return -1;
    }
    return 0;
}

static struct virtio_dev *new_dev(struct machine *m,
                                  const struct vm_dev_arg *a, struct err *e)
{
    (void)m;    /* the devices that need the machine take it */
    switch (a->kind) {
    case VM_DEV_DISK:
    case VM_DEV_NET:
    case VM_DEV_SHARE:
        break;
    }
    err_set(e, 0, "device '%s' is not available yet", a->arg);
    return NULL;
}

int virtio_devices_add(struct machine *m, struct err *e)
{
    for (unsigned i = 0; i < m->cfg.ndevs; i++)
        if (attach(m, new_dev(m, &m->cfg.devs[i], e), e) < 0)
            return -1;
    struct virtio_dev *console = virtio_console_new(m, e);
    if (attach(m, console, e) < 0)
        return -1;
    m->console = console;
    return attach(m, virtio_rng_new(&m->bus, e), e);
}

void virtio_devices_free(struct machine *m)
{
    for (unsigned i = 0; i < m->nvirtio; i++)
        m->virtio[i]->ops->destroy(m->virtio[i]);
    m->nvirtio = 0;
    m->console = NULL;
}
