#!/usr/bin/env bash
# The monitor's one-way rules, checked on the source. Devices (src/vm/dev,
# src/vm/virtio, src/vm/backend) include neither the machine (vm/machine.h)
# nor the board (vm/riscv/) nor the CPU (vm/rv/): they see the machine
# through vm/devif.h and vm/bus.h, and the board places them. The CPU
# (src/vm/rv) includes neither the machine nor the board: it sees them
# through struct hart_env (vm/rv/hart.h). Prints "N passed, M failed" and
# exits non-zero on a failure.
#
#   tests/layers.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

passed=0
failed=0
# check FOLDERS... -- PATTERN WHAT: no file under FOLDERS includes a header
# matching PATTERN (an extended regular expression on the include's path).
check() {
    local pattern=$1 what=$2
    shift 2
    for f in $(find "$@" -name '*.[ch]' | sort); do
        if grep -Eq "^#include \"($pattern)\"" "$f"; then
            echo "FAIL $f includes $(grep -Eo "^#include \"($pattern)\"" "$f" | head -1 | cut -d'"' -f2): $what"
            failed=$((failed + 1))
        else
            passed=$((passed + 1))
        fi
    done
}
check 'vm/machine\.h|vm/riscv/.*|vm/rv/.*' \
    "a device sees the machine through vm/devif.h and vm/bus.h" \
    src/vm/dev src/vm/virtio src/vm/backend
check 'vm/machine\.h|vm/riscv/.*' \
    "the CPU sees the machine through struct hart_env" \
    src/vm/rv
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
