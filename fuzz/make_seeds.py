#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz/corpus/virtio/,
fuzz/corpus/hart_state/ and fuzz/corpus/virtio_state/ (seed-*):
well-formed inputs for fuzz_virtio, fuzz_hart_state and
fuzz_virtio_state in the layouts of fuzz/README.md, from which the
fuzzers mutate their way into the broken ones. The hart seeds' program is
assembled with riscv64-unknown-elf-gcc (as `make test` builds the ISA
tests).

    fuzz/make_seeds.py [CORPUS_DIR]
"""
import os
import struct
import subprocess
import sys
import tempfile

# Indexes into devices[] in virtio_common.h.
RNG, BLK, P9, NET, CONSOLE = range(5)

# Feature bits (virtio 1.2, 6; virtio-net's own, 5.1.3).
F_INDIRECT_DESC = 1 << 28
F_EVENT_IDX = 1 << 29
F_NET_CSUM = 1 << 0

# virtio-mmio registers (virtio 1.2, 4.2.2).
QUEUE_SEL = 0x030
QUEUE_NUM = 0x038
QUEUE_READY = 0x044
QUEUE_DESC_LOW = 0x080
QUEUE_AVAIL_LOW = 0x090
QUEUE_USED_LOW = 0x0a0
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
# A second queue that a script sets up (virtio-net and the console have
# two), and buffers in the zero RAM past the input.
DESC2, AVAIL2, USED2 = 0x600, 0x680, 0x700
FAR_DATA = 0x2000

# The virtio-net header (struct virtio_net_hdr_v1).
NET_HDR_LEN = 12
NEEDS_CSUM = 1


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

    def avail(self, heads, used_event=0, num=NUM, at=AVAIL):
        self.put(at, struct.pack("<HH", 0, len(heads)))
        for i, h in enumerate(heads):
            self.put(at + 4 + 2 * i, struct.pack("<H", h))
        self.put(at + 4 + 2 * num, struct.pack("<H", used_event))


def second_queue(q):
    """Script entries that set up queue q at DESC2, AVAIL2 and USED2, as a
    driver does before DRIVER_OK (the device takes it after, too)."""
    return [op(REG_WRITE, QUEUE_SEL, q), op(REG_WRITE, QUEUE_NUM, NUM),
            op(REG_WRITE, QUEUE_DESC_LOW, 0x80000000 + DESC2),
            op(REG_WRITE, QUEUE_AVAIL_LOW, 0x80000000 + AVAIL2),
            op(REG_WRITE, QUEUE_USED_LOW, 0x80000000 + USED2),
            op(REG_WRITE, QUEUE_READY, 1)]


def add_chain(at, heads):
    """Script entries that make the available ring at `at` hold heads (the
    ring as it was, plus one more head; fewer than NUM) and publish it."""
    i = len(heads) - 1
    pair = heads[i & ~1:(i & ~1) + 2] + [0]
    return [op(RAM_STORE, at + 4 + 2 * (i & ~1), pair[0] | pair[1] << 16),
            op(RAM_STORE, at, len(heads) << 16)]


def udp_frame(payload):
    """Ethernet, IPv4 and UDP headers (the UDP sum holding only the
    pseudo-header's, as a driver leaves it) and payload."""
    udp_len = 8 + len(payload)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 1, 0, 64, 17, 0,
                     bytes([10, 0, 2, 15]), bytes([10, 0, 2, 2]))
    udp = struct.pack(">HHHH", 4000, 5000, udp_len, 0x1234)
    eth = bytes([0xff] * 6) + bytes([0x52, 0x54, 0, 0x12, 0x34, 0x56]) + \
        b"\x08\x00"
    return eth + ip + udp + payload


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
    out.update(net_seeds())
    out.update(console_seeds())
    return out


def net_seeds():
    """virtio-net: queue 0 receives, 1 transmits; the fuzz target's back end
    sends every transmitted frame back, and a notify's `where` is a frame
    from the host side."""
    out = {}
    frame = udp_frame(b"cella fuzz")

    # A frame sent before there is a receive queue waits in the backlog;
    # the script sets up the receive queue, which takes it, then a host
    # frame that waits for the receive buffer the script adds next.
    ram = Ram()
    ram.desc(DESC, 0, DATA, NET_HDR_LEN, NEXT, 1)
    ram.desc(DESC, 1, DATA + 0x20, len(frame))
    ram.put(DATA + 0x20, frame)
    ram.avail([0])
    ram.desc(DESC2, 0, FAR_DATA, NET_HDR_LEN + 1514, WRITE)
    ram.desc(DESC2, 1, FAR_DATA + 0x800, NET_HDR_LEN + 1514, WRITE)
    ram.avail([0], at=AVAIL2)
    script = second_queue(0) + [
        op(NOTIFY, val=0),
        op(NOTIFY, where=100, val=0),
        *add_chain(AVAIL2, [0, 1]),
        op(NOTIFY, val=0),
    ]
    out["net-loopback"] = seed(ops=script, ram=ram, device=NET, queue=1)

    # Receive buffers first (one too small for a header, one in two
    # segments), then a transmit whose UDP checksum the device finishes.
    ram = Ram()
    ram.desc(DESC, 0, DATA, 8, WRITE)
    ram.desc(DESC, 1, FAR_DATA, NET_HDR_LEN, WRITE | NEXT, 2)
    ram.desc(DESC, 2, FAR_DATA + 0x40, 1514, WRITE)
    ram.avail([0, 1])
    hdr = struct.pack("<BBHHHHH", NEEDS_CSUM, 0, 0, 0, 14 + 20, 6, 0)
    ram.desc(DESC2, 0, DATA + 0x40, NET_HDR_LEN + len(frame))
    ram.put(DATA + 0x40, hdr + frame)
    ram.avail([0], at=AVAIL2)
    script = second_queue(1) + [op(NOTIFY, val=1)]
    out["net-csum"] = seed(ops=script, ram=ram, device=NET, queue=0,
                           features=F_NET_CSUM | F_EVENT_IDX)

    # More transmitted frames (the same chain, 70 times) than the backlog
    # holds while there is no receive queue.
    num, avail, desc, used = 128, 0x000, 0x400, 0x1000
    ram = Ram()
    ram.desc(desc, 0, DATA, NET_HDR_LEN + len(frame))
    ram.put(DATA, bytes(NET_HDR_LEN) + frame)
    ram.avail([0] * 70, num=num, at=avail)
    out["net-backlog"] = seed(ram=ram, device=NET, queue=1, num=num,
                              desc=desc, avail=avail, used=used)
    return out


def console_seeds():
    """The console: queue 0 receives typed input, 1 transmits output; a
    notify's `where` is input typed first."""
    out = {}

    # Output in two readable segments and a writable one (ignored), then
    # input into a receive queue the script sets up.
    ram = Ram()
    ram.desc(DESC, 0, DATA, 6, NEXT, 1)
    ram.desc(DESC, 1, DATA + 0x10, 6, NEXT, 2)
    ram.desc(DESC, 2, DATA + 0x20, 16, WRITE)
    ram.put(DATA, b"hello world\n")
    ram.put(DATA + 0x10, b"world\n")
    ram.avail([0])
    ram.desc(DESC2, 0, FAR_DATA, 64, WRITE)
    ram.desc(DESC2, 1, FAR_DATA + 0x100, 64, WRITE)
    ram.avail([0], at=AVAIL2)
    script = second_queue(0) + [
        op(NOTIFY, where=100, val=0),
        *add_chain(AVAIL2, [0, 1]),
        op(NOTIFY, val=0),
    ]
    out["console-output"] = seed(ops=script, ram=ram, device=CONSOLE, queue=1)

    # Input that fills the device's 4096-byte buffer and wraps around it,
    # into chains of two segments.
    ram = Ram()
    ram.desc(DESC, 0, FAR_DATA, 1000, WRITE | NEXT, 1)
    ram.desc(DESC, 1, FAR_DATA + 0x1000, 2000, WRITE)
    ram.desc(DESC, 2, FAR_DATA + 0x2000, 4096, WRITE)
    ram.desc(DESC, 3, FAR_DATA + 0x3000, 4096, WRITE)
    ram.avail([0])
    script = [
        op(NOTIFY, where=3000, val=0),
        op(NOTIFY, where=3000, val=0),
        *add_chain(AVAIL, [0, 2]),
        op(NOTIFY, where=5000, val=0),
        *add_chain(AVAIL, [0, 2, 3]),
        op(NOTIFY, val=0),
    ]
    out["console-input"] = seed(ops=script, ram=ram, device=CONSOLE,
                                features=F_EVENT_IDX)
    return out


# The hart seeds' program, at the start of guest RAM where the baseline
# record puts pc and mtvec: M-mode FP, LR/SC, a loop the translator takes,
# Sv39 on, then to S-mode and an ecall (an SBI exit without firmware, else
# back to the start as a trap, which then waits in WFI).
HART_PROGRAM = r"""
    .option norvc
_start:
    csrr t0, mcause
    bnez t0, trapped
    li t0, 0x6000
    csrs mstatus, t0            /* FS on */
    li t1, 7
    fcvt.d.l f1, t0
    fcvt.d.l f2, t1
    fdiv.d f3, f1, f2
    la a0, data
    lr.d a1, (a0)
    addi a1, a1, 1
    sc.d a2, a1, (a0)
    li t1, 10
1:  ld t2, 8(a0)
    add t2, t2, t1
    sd t2, 8(a0)
    addi t1, t1, -1
    bnez t1, 1b
    li t0, 0x80001000           /* Sv39 root: the gigapage of RAM, RWX */
    li t1, (0x80000000 >> 12 << 10) | 0xcf
    sd t1, 16(t0)
    srli t0, t0, 12
    li t1, 8 << 60
    or t0, t0, t1
    csrw satp, t0
    sfence.vma
    li t0, 0x1800
    csrc mstatus, t0
    li t0, 0x800
    csrs mstatus, t0            /* MPP = S */
    la t0, smode
    csrw mepc, t0
    mret
smode:
    ld a1, 0(a0)
    ecall
trapped:
    wfi
    j trapped
    .balign 8
data:
    .dword 0, 0
"""

# Flags of fuzz_hart_state's first byte.
TRANSLATE, PARAVIRT = 1, 2
# Zeros XORed onto the record: as long as any payload, so that mutations
# reach every field.
HART_XOR = 2048


def assemble(source):
    """The bytes of source linked at the start of guest RAM."""
    with tempfile.TemporaryDirectory() as tmp:
        src, elf, binary = (os.path.join(tmp, n) for n in
                            ("p.S", "p.elf", "p.bin"))
        with open(src, "w") as f:
            f.write(source)
        subprocess.run(["riscv64-unknown-elf-gcc", "-march=rv64gc",
                        "-mabi=lp64d", "-nostdlib", "-nostartfiles",
                        "-Wl,-Ttext=0x80000000", "-Wl,-e,0x80000000",
                        "-Wl,--no-relax", "-o", elf, src], check=True)
        subprocess.run(["riscv64-unknown-elf-objcopy", "-O", "binary", "-j",
                        ".text", elf, binary], check=True)
        with open(binary, "rb") as f:
            return f.read()


def hart_seeds():
    program = assemble(HART_PROGRAM)
    out = {}
    for name, flags in (("interp", 0), ("jit", TRANSLATE),
                        ("paravirt", PARAVIRT),
                        ("paravirt-jit", PARAVIRT | TRANSLATE)):
        out[name] = struct.pack("<BH", flags, len(program)) + program + \
            bytes(HART_XOR)
    return out


# fuzz_virtio_state: queue q of the saved device sits at 0x400 * q, its
# available ring at +0x100 and used ring at +0x200, NUM entries.
def state_ring(q):
    return 0x400 * q, 0x400 * q + 0x100


# Edit kinds.
SET_BYTE, CUT, INSERT, ADD = range(4)


def state_seed(device, ram=None, edits=(), raw=0, host_input=0):
    body = b"".join(struct.pack("<HBB", at, kind, val)
                    for at, kind, val in edits)
    return struct.pack("<BBHH2x", device, raw, len(body), host_input) + \
        body + (bytes(ram.b) if ram else b"")


def p9_message(mtype, tag, body):
    return struct.pack("<IBH", 7 + len(body), mtype, tag) + body


def p9_string(s):
    return struct.pack("<H", len(s)) + s


def state_seeds():
    """The devices saved after some work: each device as it starts, with
    host-side input waiting; a disk after a write and a read; a console
    with output sent and a receive buffer waiting; a 9P session with the
    root attached and the share's file f open; and a few edits."""
    out = {}
    for name, dev in (("rng", RNG), ("blk", BLK), ("9p", P9), ("net", NET),
                      ("console", CONSOLE)):
        out["state-" + name] = state_seed(dev, host_input=100)

    desc, avail = state_ring(0)
    ram = Ram()
    ram.put(0x1000, struct.pack("<IIQ", 1, 0, 2))       # write sector 2
    ram.put(0x1100, bytes(range(256)) * 2)
    ram.put(0x1800, struct.pack("<IIQ", 0, 0, 2))       # read it back
    ram.desc(desc, 0, 0x1000, 16, NEXT, 1)
    ram.desc(desc, 1, 0x1100, 512, NEXT, 2)
    ram.desc(desc, 2, 0x1400, 1, WRITE)
    ram.desc(desc, 3, 0x1800, 16, NEXT, 4)
    ram.desc(desc, 4, 0x1900, 512, WRITE | NEXT, 5)
    ram.desc(desc, 5, 0x1c00, 1, WRITE)
    ram.avail([0, 3], at=avail)
    out["state-blk-requests"] = state_seed(BLK, ram)

    ram = Ram()
    ram.desc(desc, 0, 0x2000, 64, WRITE)
    ram.avail([0], at=avail)
    tx_desc, tx_avail = state_ring(1)
    ram.put(0x3000, b"hello\n")
    ram.desc(tx_desc, 0, 0x3000, 6)
    ram.avail([0], at=tx_avail)
    out["state-console-io"] = state_seed(CONSOLE, ram, host_input=100)

    ram = Ram()
    messages = [
        p9_message(100, 0xffff, struct.pack("<I", 8192) +
                   p9_string(b"9P2000.L")),
        p9_message(104, 1, struct.pack("<II", 0, 0xffffffff) +
                   p9_string(b"") + p9_string(b"") + struct.pack("<I", 0)),
        p9_message(110, 2, struct.pack("<IIH", 0, 1, 1) + p9_string(b"f")),
        p9_message(12, 3, struct.pack("<II", 1, 2)),
    ]
    for i, m in enumerate(messages):
        ram.put(0x1000 + 0x100 * i, m)
        ram.desc(desc, 2 * i, 0x1000 + 0x100 * i, len(m), NEXT, 2 * i + 1)
        ram.desc(desc, 2 * i + 1, 0x2000 + 0x400 * i, 0x400, WRITE)
    ram.avail([0, 2, 4, 6], at=avail)
    out["state-9p-session"] = state_seed(P9, ram)

    # A queue position moved, a record cut short, a byte inserted.
    out["state-console-edits"] = state_seed(
        CONSOLE, edits=[(150, ADD, 3), (40, SET_BYTE, 0x0f)], host_input=10)
    out["state-net-cut"] = state_seed(NET, edits=[(200, CUT, 0)],
                                      host_input=60)
    out["state-9p-insert"] = state_seed(P9, ram, edits=[(250, INSERT, 0x2e)])
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    for corpus, made in (("virtio", seeds()), ("hart_state", hart_seeds()),
                         ("virtio_state", state_seeds())):
        out_dir = os.path.join(root, corpus)
        os.makedirs(out_dir, exist_ok=True)
        for name, data in made.items():
            with open(os.path.join(out_dir, "seed-" + name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
