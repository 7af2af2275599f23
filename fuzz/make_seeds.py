#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz/corpus/virtio/ (seed-*): well-formed
inputs for fuzz_virtio in the layout of fuzz/README.md, from which the
fuzzer mutates its way into the broken ones.

    fuzz/make_seeds.py [OUT_DIR]
"""
import os
import struct
import sys

# Feature bits (virtio 1.2, 6).
F_INDIRECT_DESC = 1 << 28
F_EVENT_IDX = 1 << 29

# virtio-mmio registers (virtio 1.2, 4.2.2).
QUEUE_NUM = 0x038
QUEUE_READY = 0x044
INTERRUPT_STATUS = 0x060
INTERRUPT_ACK = 0x064
STATUS = 0x070
CONFIG = 0x100

# Script entry kinds.
REG_WRITE, REG_READ, NOTIFY, RAM_STORE = range(4)

# Descriptor flags.
NEXT, WRITE, INDIRECT = 1, 2, 4

# Where the seeds put things, as offsets into guest RAM.
DESC, AVAIL, USED, TABLE, DATA = 0x000, 0x080, 0x100, 0x180, 0x200
BIG_TABLE = 0x400
NUM = 8
MAX_SEGS = 1024     # VQ_MAX_SEGS: descriptors in one chain


def header(device=0, queue=0, num=NUM, desc=DESC, avail=AVAIL, used=USED,
           features=0, nops=0):
    return struct.pack("<BBHIIIQB7x", device, queue, num, desc, avail, used,
                       features, nops)


def op(kind, where=0, val=0, size=2):
    return struct.pack("<BBHI", kind, size, where, val)


class Ram:
    """The first bytes of guest RAM, grown as things are placed."""

    def __init__(self):
        self.b = bytearray()

    def put(self, off, data):
        if len(self.b) < off + len(data):
            self.b.extend(bytes(off + len(data) - len(self.b)))
        self.b[off:off + len(data)] = data

    def desc(self, table, i, addr, length, flags=0, nxt=0):
        self.put(table + 16 * i,
                 struct.pack("<QIHH", 0x80000000 + addr, length, flags, nxt))

    def avail(self, heads, used_event=0, num=NUM):
        self.put(AVAIL, struct.pack("<HH", 0, len(heads)))
        for i, h in enumerate(heads):
            self.put(AVAIL + 4 + 2 * i, struct.pack("<H", h))
        self.put(AVAIL + 4 + 2 * num, struct.pack("<H", used_event))


def seed(ops=(), **kw):
    ram = kw.pop("ram")
    return header(nops=len(ops), **kw) + b"".join(ops) + bytes(ram.b)


def seeds():
    out = {}

    ram = Ram()
    ram.desc(DESC, 0, DATA, 64, WRITE)
    ram.avail([0])
    out["direct"] = seed(ram=ram)

    # Two chains: readable then two writable segments; one writable.
    ram = Ram()
    ram.desc(DESC, 0, DATA, 16, NEXT, 1)
    ram.desc(DESC, 1, DATA + 0x40, 32, WRITE | NEXT, 5)
    ram.desc(DESC, 5, DATA + 0x80, 8, WRITE)
    ram.desc(DESC, 3, DATA + 0x100, 128, WRITE)
    ram.avail([0, 3], used_event=1)
    out["event-idx"] = seed(ram=ram, features=F_EVENT_IDX)

    ram = Ram()
    ram.desc(DESC, 2, TABLE, 3 * 16, INDIRECT)
    ram.desc(TABLE, 0, DATA, 16, NEXT, 2)
    ram.desc(TABLE, 2, DATA + 0x40, 32, WRITE | NEXT, 1)
    ram.desc(TABLE, 1, DATA + 0x80, 16, WRITE)
    ram.avail([2])
    out["indirect"] = seed(ram=ram,
                           features=F_INDIRECT_DESC | F_EVENT_IDX)

    # After the first chain the driver adds another, notifies, reads the
    # interrupt status and config, then disables and resizes the queue and
    # notifies again.
    ram = Ram()
    ram.desc(DESC, 0, DATA, 64, WRITE)
    ram.desc(DESC, 1, DATA + 0x40, 64, WRITE)
    ram.avail([0])
    script = [
        op(RAM_STORE, AVAIL + 4, 0 | 1 << 16),     # ring[0] = 0, ring[1] = 1
        op(RAM_STORE, AVAIL, 0 | 2 << 16),         # flags 0, idx 2
        op(NOTIFY, val=0),
        op(REG_READ, INTERRUPT_STATUS),
        op(REG_WRITE, INTERRUPT_ACK, 1),
        op(REG_READ, CONFIG, size=0),
        op(REG_WRITE, QUEUE_READY, 0),
        op(REG_WRITE, QUEUE_NUM, 0),
        op(NOTIFY, val=0),
        op(REG_READ, STATUS),
    ]
    out["script"] = seed(ops=script, ram=ram, features=F_EVENT_IDX)

    # A head past the queue size: the device needs a reset, which the
    # script gives it.
    ram = Ram()
    ram.desc(DESC, 0, DATA, 64, WRITE)
    ram.avail([NUM])
    script = [op(REG_READ, STATUS), op(REG_WRITE, STATUS, 0),
              op(NOTIFY, val=0)]
    out["broken"] = seed(ops=script, ram=ram)

    # One direct descriptor, then a full indirect table: one segment too
    # many for a chain.
    ram = Ram()
    ram.desc(DESC, 0, DATA, 1, NEXT, 1)
    ram.desc(DESC, 1, BIG_TABLE, 16 * MAX_SEGS, INDIRECT)
    for i in range(MAX_SEGS):
        ram.desc(BIG_TABLE, i, DATA, 1,
                 WRITE | (NEXT if i + 1 < MAX_SEGS else 0), i + 1)
    ram.avail([0])
    out["long-chain"] = seed(ram=ram, features=F_INDIRECT_DESC)
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(here, "corpus", "virtio")
    os.makedirs(out_dir, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(out_dir, "seed-" + name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
