/* Reading the kernel command line the monitor hands to the guest: which
 * console Linux will make /dev/console. */
#ifndef CELLA_VM_CMDLINE_H
#define CELLA_VM_CMDLINE_H

#include <stdbool.h>

/* Whether the last console= argument before any "--" names the device
 * name (options after a comma aside: "hvc0" matches console=hvc0,115200).
 * NULL or no console= at all: false. */
bool cmdline_console_is(const char *cmdline, const char *name);

#endif
