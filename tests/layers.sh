#!/usr/bin/env bash
# The monitor's one-way rule, checked on the source: no file under
# src/vm/dev/, src/vm/virtio/ or src/vm/backend/ includes the board's
# header (vm/machine.h); devices see the machine through vm/devif.h (an
# interrupt line, the power switch) and vm/bus.h. The files listed in
# `pending` have not moved to that yet; the list may only shrink: a listed
# file that no longer includes machine.h fails too, until it is removed.
# Prints "N passed, M failed" and exits non-zero on a failure.
#
#   tests/layers.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

pending=(
    src/vm/dev/clint.c
    src/vm/dev/plic.c
    src/vm/virtio/console.c
    src/vm/virtio/devices.c
    src/vm/virtio/mmio.c
    src/vm/virtio/net.c
)

passed=0
failed=0
for f in $(find src/vm/dev src/vm/virtio src/vm/backend -name '*.[ch]' | sort); do
    listed=0
    for p in "${pending[@]}"; do
        [ "$p" = "$f" ] && listed=1
    done
    includes=0
    grep -q '^#include "vm/machine.h"' "$f" && includes=1
    if [ "$includes" -eq 1 ] && [ "$listed" -eq 0 ]; then
        echo "FAIL $f includes vm/machine.h: use vm/devif.h and vm/bus.h"
        failed=$((failed + 1))
    elif [ "$includes" -eq 0 ] && [ "$listed" -eq 1 ]; then
        echo "FAIL $f no longer includes vm/machine.h: take it off tests/layers.sh's pending list"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
