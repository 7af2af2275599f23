/* What `cella vm run` was asked to do, after option parsing. */
#ifndef CELLA_VM_CONFIG_H
#define CELLA_VM_CONFIG_H

#include <stdint.h>

#define VM_MAX_CPUS 8

struct vm_config {
    const char *kernel;     /* flat Image or ELF; NULL with bios = test ELF */
    const char *initrd;
    const char *append;
    const char *bios;       /* NULL: no firmware (paravirtual SBI) */
    const char *dump_dtb;   /* write the device tree here and exit */
    uint64_t mem_size;
    unsigned cpus;
};

#endif
