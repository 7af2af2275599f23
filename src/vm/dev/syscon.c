/* "sifive,test" finisher: the guest's power-off, reboot and test-failure
 * register. Reads return 0. */
#include "vm/dev/syscon.h"

#include <stdio.h>

#include "base/rec.h"
#include "vm/bus.h"
#include "vm/devif.h"

#define FINISHER_FAIL  0x3333u
#define FINISHER_PASS  0x5555u
#define FINISHER_RESET 0x7777u

static uint64_t syscon_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque, (void)off, (void)size;
    return 0;
}

/* Only a 16- or 32-bit write at offset 0 counts (OpenSBI uses 16): the
 * low half says what to do, the high half is the failure code. */
static void syscon_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    const struct vm_power *power = opaque;
    if (off != 0 || (size != 4 && size != 2))
        return;
    switch (val & 0xffff) {
    case FINISHER_PASS:
        vm_power_stop(power, EXIT_POWEROFF);
        break;
    case FINISHER_RESET:
        vm_power_stop(power, EXIT_REBOOT);
        break;
    case FINISHER_FAIL:
        fprintf(stderr, "cella: guest reported failure (code %u)\n",
                (unsigned)(val >> 16 & 0xffff));
        vm_power_stop(power, EXIT_GUEST_FAIL);
        break;
    }
}

void syscon_attach(struct bus *bus, uint64_t base, uint64_t size,
                   const struct vm_power *power)
{
    struct mmio_dev d = {
        .name = "test",
        .base = base,
        .size = size,
        .read = syscon_read,
        .write = syscon_write,
        .opaque = (void *)power,
    };
    bus_add(bus, &d);
}

/* The state record, version 1, is empty: the finisher acts on a write
 * and keeps nothing. It is there so a snapshot names every device. */
#define SYSCON_REC_VERSION 1

void syscon_save(struct rec_out *o)
{
    rec_begin(o, "syscon", SYSCON_REC_VERSION);
    rec_end(o);
}

int syscon_load(struct rec_in *in, struct err *e)
{
    if (rec_open(in, "syscon", SYSCON_REC_VERSION, e) < 0)
        return -1;
    return rec_close(in, e);
}
