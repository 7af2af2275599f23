/* libFuzzer target for the snapshot state file parser (vm/snapshot): the
 * input is a state file. Twice: as it is, and with its CRC-32 trailer made
 * to match (so mutations reach the header's fields and the config record
 * behind the checksum). A file taken must hold a config a machine could be
 * built from; one refused must say so with a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/err.h"
#include "vm/snapshot/snapshot.h"

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_snapshot: %s\n", what);
        abort();
    }
}

static void parse(const uint8_t *data, size_t size, int fix)
{
    uint8_t *file = malloc(size ? size : 1);
    check(file != NULL, "out of memory");
    memcpy(file, data, size);
    if (fix && size >= 4) {
        uint32_t crc = (uint32_t)crc32(0, file, (uInt)(size - 4));
        for (unsigned i = 0; i < 4; i++)
            file[size - 4 + i] = (uint8_t)(crc >> (8 * i));
    }
    struct snapshot s;
    struct err e = {0};
    if (snapshot_parse(&s, file, size, "fuzz", &e) < 0) {
        check(e.msg[0] != 0, "refused without a message");
        return;
    }
    const struct vm_config *c = &s.cfg;
    check(c->cpus >= 1 && c->cpus <= VM_MAX_CPUS, "harts out of range");
    check(c->mem_size && c->mem_size % 4096 == 0, "RAM size taken");
    check(c->ndevs <= VM_MAX_DEVS, "devices out of range");
    for (unsigned i = 0; i < c->ndevs; i++)
        check(c->devs[i].arg && c->devs[i].kind <= VM_DEV_SHARE,
              "device taken");
    check(s.records.off <= s.records.len, "records cursor past the end");
    snapshot_close(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse(data, size, 0);
    parse(data, size, 1);
    return 0;
}
