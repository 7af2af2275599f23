#!/usr/bin/env bash
# Runs every test against one build of Cella (`make test` calls it for build/
# and build-san/):
#   1. each cmocka unit test binary in BUILD_DIR/unit/
#   2. each bare-metal ISA program build/isa/*.elf, as
#      `BUILD_DIR/cella vm run --engine E --bios X.elf` for each engine E
#      (jit, interp; must exit 0 within 60 s); programs named smp_* run
#      with --cpus 4
#   3. the end-to-end pytest suite tests/e2e with CELLA=BUILD_DIR/cella
#   4. tests/layers.sh: no device, virtio or back-end file includes the
#      board's header
# Ends with the line "N passed, M failed" and exits non-zero when anything
# failed or nothing ran at all.
#
#   tests/run.sh BUILD_DIR
set -euo pipefail

build=${1:?usage: tests/run.sh BUILD_DIR}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
build=${build%/}
cella=$build/cella
isa_timeout=${CELLA_ISA_TIMEOUT:-60}
python=${PYTHON:-/usr/bin/python3}

passed=0
failed=0
failures=()
work=$(mktemp -d "${TMPDIR:-/tmp}/cella-tests.XXXXXX")
trap 'rm -rf "$work"' EXIT

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); failures+=("$1"); }

# Describes an exit status: timeouts and deaths by signal get named.
status_text() {
    local rc=$1 limit=$2
    if [ "$rc" -eq 124 ]; then echo "timed out after ${limit}s"
    elif [ "$rc" -gt 128 ]; then echo "killed by signal $((rc - 128))"
    else echo "exit status $rc"
    fi
}

echo "== $build: unit tests"
shopt -s nullglob
units=("$build"/unit/*)
if [ ${#units[@]} -eq 0 ]; then
    echo "skip: no unit test binaries in $build/unit/"
fi
for t in "${units[@]}"; do
    if [ ! -f "$t" ] || [ ! -x "$t" ]; then
        continue
    fi
    name=unit/$(basename "$t")
    echo "-- $name"
    rc=0
    timeout -k 5 300 "$t" </dev/null || rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "PASS $name"
        pass
    else
        echo "FAIL $name ($(status_text "$rc" 300))"
        fail "$name"
    fi
done

have_cella=1
if [ ! -x "$cella" ] || [ -d "$cella" ]; then
    have_cella=0
    echo "FAIL: $cella is missing or not executable (build it with make)"
    fail "$cella missing"
fi

echo "== $build: ISA programs"
elfs=(build/isa/*.elf)
if [ ${#elfs[@]} -eq 0 ]; then
    echo "skip: no ISA programs in build/isa/ (make test-one builds them)"
elif [ "$have_cella" -eq 0 ]; then
    echo "skip: ${#elfs[@]} ISA programs not run: no $cella"
fi
if [ "$have_cella" -eq 1 ]; then
    for elf in "${elfs[@]}"; do
        for engine in jit interp; do
            name="isa/$(basename "$elf" .elf)[$engine]"
            rc=0
            cpus=1
            case $name in isa/smp_*) cpus=4 ;; esac
            timeout -k 5 "$isa_timeout" "$cella" vm run --engine "$engine" --cpus "$cpus" \
                --bios "$elf" </dev/null >"$work/isa.out" 2>&1 || rc=$?
            if [ "$rc" -eq 0 ]; then
                echo "PASS $name"
                pass
            else
                echo "FAIL $name ($(status_text "$rc" "$isa_timeout"))"
                tail -n 20 "$work/isa.out" | sed 's/^/    /'
                fail "$name"
            fi
        done
    done
fi

echo "== $build: end-to-end tests"
if [ "$have_cella" -eq 0 ]; then
    echo "skip: tests/e2e not run: no $cella"
else
    junit=$work/e2e.xml
    rc=0
    CELLA=$(cd "$(dirname "$cella")" && pwd)/$(basename "$cella") \
        "$python" -m pytest -q -rfEs -p no:cacheprovider --junitxml="$junit" tests/e2e \
        </dev/null || rc=$?
    # pytest exit statuses: 0 all passed, 1 some failed, 5 none collected;
    # the counts come from the JUnit XML report.
    counts=$("$python" - "$junit" <<'PY' || true
import sys
import xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    sys.exit(1)
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
n = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
bad = n["failures"] + n["errors"]
print(n["tests"] - bad - n["skipped"], bad)
PY
)
    if [ -z "$counts" ]; then
        echo "FAIL: pytest exited with status $rc and wrote no report"
        fail "e2e (pytest status $rc)"
    else
        read -r e2e_pass e2e_fail <<<"$counts"
        passed=$((passed + e2e_pass))
        failed=$((failed + e2e_fail))
        [ "$e2e_fail" -eq 0 ] || failures+=("e2e: $e2e_fail failed")
        if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ] && [ "$e2e_fail" -eq 0 ]; then
            echo "FAIL: pytest exited with status $rc"
            fail "e2e (pytest status $rc)"
        fi
    fi
fi

echo "== $build: source layering"
if tests/layers.sh >"$work/layers.out" 2>&1; then
    echo "PASS layers"
    pass
else
    grep FAIL "$work/layers.out" | sed 's/^/    /'
    echo "FAIL layers"
    fail "layers"
fi

echo "== $build: summary"
for f in "${failures[@]}"; do
    echo "failed: $f"
done
if [ $((passed + failed)) -eq 0 ]; then
    echo "error: no test ran"
fi
echo "$passed passed, $failed failed"
if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
    exit 1
fi
