#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz/corpus/migrate/ (seed-*): migration
streams in the layout of src/vm/migrate/stream.h (header, then frames) with
a config record (src/vm/snapshot/config_rec.c) and PAGES frames
(src/vm/migrate/pages.h), for fuzz_migrate to mutate.

    fuzz/make_migrate_seeds.py [OUT_DIR]
"""
import struct
import sys
import zlib
from pathlib import Path

from make_snapshot_seeds import config

CONFIG, PAGES, STATE, END = 1, 2, 3, 4
PAGE = 4096


def header(version=1):
    return b"CELLAMIG" + struct.pack("<II", version, 0)


def frame(kind, payload):
    head = struct.pack("<II", kind, len(payload))
    return head + payload + struct.pack("<I", zlib.crc32(head + payload))


def pages(*entries):
    """entries: (index, data or None for a zero page)."""
    out = b""
    for index, data in entries:
        out += struct.pack("<Q", index << 1 | (data is None))
        if data is not None:
            out += data
    return out


def seeds():
    cfg = frame(CONFIG, config())
    data = bytes(range(256)) * (PAGE // 256)
    yield "config", header() + cfg
    yield "pages", header() + cfg + frame(PAGES, pages((0, data), (1, None), (63, data)))
    yield "zeros", header() + cfg + frame(PAGES, pages(*[(i, None) for i in range(8)]))
    yield "end", header() + cfg + frame(END, b"")
    yield "version2", header(2) + cfg
    yield "cut", (header() + cfg + frame(PAGES, pages((3, data))))[:-100]


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else
               Path(__file__).parent / "corpus" / "migrate")
    out.mkdir(parents=True, exist_ok=True)
    for name, blob in seeds():
        (out / f"seed-{name}").write_bytes(blob)


if __name__ == "__main__":
    main()
