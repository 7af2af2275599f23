#!/usr/bin/env bash
# Builds Cella's default guest from Debian bookworm packages only:
#   OUTDIR/Image              Linux 6.1 (linux-source-6.1), tinyconfig + kernel.config
#   OUTDIR/initramfs.cpio.gz  static busybox (Debian's busybox source) + init
# Cross-compiled with gcc-riscv64-linux-gnu. Installs what it needs with
# tools/deps.sh guest (as root), adding a deb-src entry when none is
# configured.
# Takes about 10 minutes on 2 cores.
#
#   guest/build-guest.sh OUTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:?usage: build-guest.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cross=riscv64-linux-gnu-
jobs=$(nproc)

log() { printf 'build-guest: %s\n' "$*" >&2; }

# Runs a noisy step with its output in a log file; shows the log's tail
# only when the step fails.
step() {
    local name=$1; shift
    log "$name"
    if ! "$@" >"$work/$name.log" 2>&1; then
        tail -n 40 "$work/$name.log" >&2
        log "$name failed (full log above was $work/$name.log)"
        exit 1
    fi
}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
    "$here/../tools/deps.sh" guest
    # busybox comes as source: that needs a deb-src line somewhere.
    if [ -z "$(apt-cache showsrc busybox 2>/dev/null)" ]; then
        log "adding a deb-src entry for bookworm"
        printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' \
            'Suites: bookworm' 'Components: main' \
            'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
            as_root tee /etc/apt/sources.list.d/cella-guest-src.sources >/dev/null
        as_root apt-get update -qq
    fi
}

build_kernel() {
    tar -xf /usr/src/linux-source-6.1.tar.xz -C "$work"
    local k="$work/linux-source-6.1"
    local mk=(make -C "$k" ARCH=riscv "CROSS_COMPILE=$cross")
    "${mk[@]}" tinyconfig
    (cd "$k" && ./scripts/kconfig/merge_config.sh -m .config "$here/kernel.config")
    "${mk[@]}" olddefconfig
    "${mk[@]}" -j"$jobs" Image
    cp "$k/arch/riscv/boot/Image" "$work/Image"
}

build_busybox() {
    (cd "$work" && apt-get source -qq busybox </dev/null)
    local b
    b=$(find "$work" -maxdepth 1 -type d -name 'busybox-*' | head -n 1)
    [ -n "$b" ] || { echo "no busybox source tree"; return 1; }
    make -C "$b" CROSS_COMPILE=$cross defconfig
    # Static, so the initramfs needs no libc; tc does not build against
    # 6.1's headers and the guest has no use for it.
    sed -i -e 's/^# CONFIG_STATIC is not set$/CONFIG_STATIC=y/' \
           -e 's/^CONFIG_TC=y$/# CONFIG_TC is not set/' "$b/.config"
    make -C "$b" CROSS_COMPILE=$cross oldconfig </dev/null
    make -C "$b" CROSS_COMPILE=$cross -j"$jobs"
    cp "$b/busybox" "$work/busybox"
}

make_initramfs() {
    local r="$work/root" d
    for d in bin sbin etc proc sys dev tmp root mnt usr/bin usr/sbin usr/share/udhcpc; do
        mkdir -p "$r/$d"
    done
    install -m 755 "$work/busybox" "$r/bin/busybox"
    ln -s busybox "$r/bin/sh"
    install -m 755 "$here/init" "$r/init"
    install -m 755 "$here/udhcpc.script" "$r/usr/share/udhcpc/default.script"
    cat >"$r/etc/profile" <<'PROFILE'
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
PS1='guest:\w# '
PROFILE
    (cd "$r" && find . | LC_ALL=C sort |
        cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9 -n >"$work/initramfs.cpio.gz"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/cella-guest.XXXXXX")
trap 'rm -rf "$work"' EXIT

install_packages
step kernel build_kernel
step busybox build_busybox
step initramfs make_initramfs
cp "$work/Image" "$out/Image"
cp "$work/initramfs.cpio.gz" "$out/initramfs.cpio.gz"
log "built $out/Image and $out/initramfs.cpio.gz"
