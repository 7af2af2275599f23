#!/usr/bin/env bash
# The one list of Debian packages Cella needs, by purpose, and the step that
# installs what is missing. `make run`, `make test` and .ci/run call it, so
# the list cannot drift between them.
#
#   tools/deps.sh run     build cella and boot the default guest
#   tools/deps.sh test    all of run, plus everything `make test` calls
#   tools/deps.sh bench   all of test, plus the peers bench/ measures against
#   tools/deps.sh guest   what guest/build-guest.sh builds a guest with (only
#                         when there is no reference guest to copy)
#   tools/deps.sh --list PURPOSE   print the packages, one line, and exit
#
# As root it runs `apt-get update` and `apt-get install -y
# --no-install-recommends` for the missing ones; as another user it prints
# the one command to run as root and exits 1. Nothing missing: no output.
set -euo pipefail

# Building cella: the five libraries (zlib for the state records' CRC-32)
# are linked from their static archives; libslirp and libmicrohttpd (the
# control API's HTTP server; the -dev package pulls in libmicrohttpd12)
# are loaded at run time, and libglib2.0-dev is there because slirp.pc
# requires glib-2.0, which libslirp-dev does not pull in.
run_pkgs=(
    build-essential pkg-config git
    libfdt-dev libjson-c-dev libseccomp-dev libcap-dev zlib1g-dev
    libmicrohttpd-dev libslirp-dev libglib2.0-dev
)

# `make test`: cmocka unit tests; the ISA programs (riscv64 cross gcc);
# OpenSBI and dtc for the boot and device-tree tests; mkfs.ext4 and cpio
# for disk images; pytest; clang with its libFuzzer and sanitizer runtimes
# for the fuzz run; busybox-static for container root file systems; podman
# and containerd as the real clients of cella-oci (catatonit is podman's
# `--init`, only a Recommends, so it is named here); runc for the tests
# that check an answer against it; iproute2 for the tap and network
# namespace tests; mount (priority required, not essential: a minimal
# root may lack it) for the snapshot test that fills a small tmpfs;
# linux-perf for the test that perf names translated code (--perf-map).
test_pkgs=(
    libcmocka-dev gcc-riscv64-unknown-elf opensbi device-tree-compiler
    e2fsprogs cpio python3 python3-pytest
    clang libclang-rt-14-dev
    busybox-static podman catatonit containerd runc iproute2 mount
    linux-perf
)

# bench/: QEMU is the virtual machines' yardstick; runc, crun and time
# (GNU time, for peak RSS) the containers'; gcc-riscv64-linux-gnu builds
# bench/vm-cpu's compiled workload (bench/cpu-kernels) for the guest, with
# libc6-dev-riscv64-cross, its static libc (only a Recommends of the gcc);
# valgrind counts host instructions for bench/vm-cpu --host-insns.
bench_pkgs=(qemu-system-misc crun time gcc-riscv64-linux-gnu libc6-dev-riscv64-cross valgrind)

# Building the default guest from source: the riscv64 Linux cross compiler,
# the kernel's source and build tools; busybox comes as a source package.
guest_pkgs=(
    build-essential gcc-riscv64-linux-gnu linux-source-6.1 bc flex bison
    libssl-dev libelf-dev cpio dpkg-dev xz-utils
)

usage() {
    echo "usage: tools/deps.sh [--list] run|test|bench|guest" >&2
    exit 2
}

list=0
if [ "${1:-}" = "--list" ]; then
    list=1
    shift
fi
case "${1:-}" in
    run) pkgs=("${run_pkgs[@]}") ;;
    test) pkgs=("${run_pkgs[@]}" "${test_pkgs[@]}") ;;
    bench) pkgs=("${run_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
    guest) pkgs=("${guest_pkgs[@]}") ;;
    *) usage ;;
esac

if [ "$list" -eq 1 ]; then
    echo "${pkgs[*]}"
    exit 0
fi

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
        missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "tools/deps.sh: missing Debian packages; as root, run:" >&2
    echo "apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    exit 1
fi

echo "tools/deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
