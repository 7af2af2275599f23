/* What `cella vm run` was asked to do, after option parsing. */
#ifndef CELLA_VM_CONFIG_H
#define CELLA_VM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define VM_MAX_CPUS 8
#define VM_MIN_MEM (1ull << 20)     /* guest RAM, bytes: --mem's range */
#define VM_MAX_MEM (64ull << 30)
#define VM_MAX_DEVS 6   /* virtio slots left beside the console and rng */

/* A device asked for on the command line; its device parses arg. */
enum vm_dev_kind { VM_DEV_DISK, VM_DEV_NET, VM_DEV_SHARE };

struct vm_dev_arg {
    enum vm_dev_kind kind;
    const char *arg;        /* the option's value, e.g. "disk.img,readonly" */
};

struct vm_config {
    const char *kernel;     /* flat Image or ELF; NULL with bios = test ELF */
    const char *initrd;
    const char *append;
    const char *bios;       /* NULL: no firmware (paravirtual SBI) */
    const char *dump_dtb;   /* write the device tree here and exit */
    const char *restore;    /* a snapshot directory to resume from */
    const char *incoming;   /* receive the machine from a migration at this
                             * URI; its disks wait unclaimed until then */
    const char *api;        /* serve the control API on this socket */
    uint64_t mem_size;      /* 0 with restore or incoming: as it was */
    unsigned cpus;          /* the same */
    bool interpret;         /* --engine interp: no translator */
    bool perf_map;          /* --perf-map: name translated code for perf */
    struct vm_dev_arg devs[VM_MAX_DEVS];
    unsigned ndevs;
};

#endif
