#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz/corpus/snapshot/ (seed-*): snapshot
state files in the layout of src/vm/snapshot/state_file.h around a config
record of version 1 (src/vm/snapshot/snapshot.c) and the machine's own
record, for fuzz_snapshot to mutate.

    fuzz/make_snapshot_seeds.py [OUT_DIR]
"""
import struct
import zlib

from make_state_seeds import record, write_seeds

FORMAT = 1
DISK, NET, SHARE = range(3)


def string(s):
    return struct.pack("<I", len(s)) + s.encode()


def config(cpus=1, mem=256 << 20, interpret=0, kernel="", initrd="",
           append="", bios="", devs=()):
    body = string("riscv-virt") + struct.pack("<QQIB", 0x80000000, mem,
                                              cpus, interpret)
    for s in (kernel, initrd, append, bios):
        body += string(s)
    body += struct.pack("<I", len(devs))
    for kind, arg in devs:
        body += struct.pack("<B", kind) + string(arg)
    return record("config", body)


def state_file(records):
    head = b"CELLASNP" + struct.pack("<IIQ", FORMAT, 0, len(records))
    crc = zlib.crc32(head + records) & 0xffffffff
    return head + records + struct.pack("<I", crc)


SEEDS = {
    "bare": state_file(config()),
    "linux": state_file(
        config(cpus=4, kernel="/guest/Image", initrd="/guest/initramfs",
               append="console=hvc0 quiet",
               devs=((DISK, "/d.img,readonly"), (NET, "user"),
                     (SHARE, "/srv,tag=s")))
        + record("machine", struct.pack("<IQ", 4, 123456789))),
    "firmware": state_file(config(bios="/fw.elf", interpret=1)),
}


def main():
    write_seeds(SEEDS, "snapshot")


if __name__ == "__main__":
    main()
