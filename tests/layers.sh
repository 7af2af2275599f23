#!/usr/bin/env bash
# The monitor's one-way rule, checked on the source: no file under
# src/vm/dev/, src/vm/virtio/ or src/vm/backend/ includes the board's
# header (vm/machine.h). Devices see the machine through vm/devif.h (an
# interrupt line, the power switch) and vm/bus.h; the board (machine.c,
# board_virtio.c, riscv/) places them. Prints "N passed, M failed" and
# exits non-zero on a failure.
#
#   tests/layers.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

passed=0
failed=0
for f in $(find src/vm/dev src/vm/virtio src/vm/backend -name '*.[ch]' | sort); do
    if grep -q '^#include "vm/machine.h"' "$f"; then
        echo "FAIL $f includes vm/machine.h: use vm/devif.h and vm/bus.h"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
