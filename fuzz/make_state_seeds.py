#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz/corpus/state/ (seed-*): well-formed
state records for fuzz_state, one a file, in the layouts of version 1 that
src/vm/dev/uart16550.c, src/vm/riscv/plic.c and clint.c describe (and the
empty records of the RTC and the test finisher), from which the fuzzer
mutates its way into the broken ones.

    fuzz/make_state_seeds.py [OUT_DIR]
"""
import os
import struct
import sys
import zlib

NHARTS = 2              # fuzz_state's machine
NCTX = 2 * NHARTS
NSOURCES = 32           # PLIC_NUM_SOURCES
FAR = 0x7000000000000000


def record(name, payload, version=1):
    """name (16 bytes, NUL-padded), version, length, payload, CRC-32."""
    head = struct.pack("<16sII", name.encode(), version, len(payload))
    crc = zlib.crc32(head + payload) & 0xffffffff
    return head + payload + struct.pack("<I", crc)


def uart(ier=0, lcr=0, mcr=0, scr=0, dll=0, dlm=0, fifo=0, thre=0, irq=0,
         rx=b""):
    return record("uart", struct.pack("<9BI", ier, lcr, mcr, scr, dll, dlm,
                                      fifo, thre, irq, len(rx)) + rx)


def plic(priority=None, level=0, claimed=0, enable=None, threshold=None):
    priority = priority or [0] * NSOURCES
    enable = enable or [0] * NCTX
    threshold = threshold or [0] * NCTX
    p = struct.pack("<II", NCTX, NSOURCES)
    p += struct.pack("<%dI" % (NSOURCES - 1), *priority[1:])
    p += struct.pack("<II", level, claimed)
    for ctx in range(NCTX):
        p += struct.pack("<II", enable[ctx], threshold[ctx])
    return record("plic", p)


def clint(harts):
    p = struct.pack("<I", len(harts))
    for msip, mtimecmp in harts:
        p += struct.pack("<BQ", msip, mtimecmp)
    return record("clint", p)


SEEDS = {
    "uart-reset": uart(),
    # RDA and THRE enabled, five bytes received: the line is high.
    "uart-busy": uart(ier=0x03, lcr=0x03, mcr=0x0b, scr=0x5a, dll=0x0c,
                      fifo=1, thre=1, irq=1, rx=b"hello"),
    "uart-thre": uart(ier=0x02, lcr=0x83, thre=1, irq=1),
    "uart-full": uart(ier=0x01, fifo=1, irq=1, rx=bytes(range(256)) * 16),
    "plic-reset": plic(),
    # Sources 1, 4, 7 ... high, 4 claimed; each context something enabled.
    "plic-busy": plic(priority=[i % 8 for i in range(NSOURCES)],
                      level=sum(1 << i for i in range(1, NSOURCES, 3)),
                      claimed=1 << 4,
                      enable=[0x0000fff0, 0x00ff0000, 0xff000000, 0x0f0f0f0e],
                      threshold=[2, 0, 7, 1]),
    "clint-reset": clint([(0, 2**64 - 1)] * NHARTS),
    "clint-busy": clint([(0, FAR), (1, 0)]),
    "rtc": record("rtc", b""),
    "syscon": record("syscon", b""),
}


def write_seeds(seeds, corpus):
    """Each seed as seed-NAME in the directory given on the command line,
    else in fuzz/corpus/CORPUS."""
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", corpus)
    os.makedirs(out, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(data)


def main():
    write_seeds(SEEDS, "state")


if __name__ == "__main__":
    main()
