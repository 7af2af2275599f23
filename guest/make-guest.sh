#!/usr/bin/env bash
# Puts Cella's default guest (Image + initramfs.cpio.gz, with SHA256SUMS)
# into OUTDIR. Copies the prebuilt reference guest from ../shared/guest
# beside the repository when it is there and its checksums hold; otherwise
# builds one from Debian packages with build-guest.sh (about 10 minutes,
# installs the cross toolchain and kernel source). Does nothing when OUTDIR
# already holds the right files.
#
#   guest/make-guest.sh OUTDIR        (`make guest` runs it with guest/out)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:?usage: make-guest.sh OUTDIR}
files=(Image initramfs.cpio.gz)

log() { printf 'make-guest: %s\n' "$*" >&2; }

# Prints the reference guest folder, if one with all its files exists.
find_shared() {
    local top c
    top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null) || top=$here/..
    for c in "$top/../shared/guest" "$here/../../shared/guest"; do
        if [ -f "$c/SHA256SUMS" ] && [ -f "$c/Image" ] && [ -f "$c/initramfs.cpio.gz" ]; then
            (cd "$c" && pwd)
            return 0
        fi
    done
    return 1
}

# True when folder $1 holds every guest file, each matching the sums file $2.
matches() {
    local dir=$1 sums=$2 f
    [ -f "$sums" ] || return 1
    for f in "${files[@]}"; do
        [ -f "$dir/$f" ] && grep -q "  $f\$" "$sums" || return 1
    done
    (cd "$dir" && sha256sum --quiet --strict -c "$sums" >/dev/null 2>&1)
}

mkdir -p "$out"
out=$(cd "$out" && pwd)

copy_from() {
    local src=$1 f
    for f in "${files[@]}" SHA256SUMS; do
        cp "$src/$f" "$out/.$f.tmp"
        chmod 644 "$out/.$f.tmp"
        mv -f "$out/.$f.tmp" "$out/$f"
    done
    matches "$out" "$out/SHA256SUMS" || { log "copy to $out failed its checksums"; exit 1; }
}

shared=$(find_shared) || shared=
if [ -n "$shared" ] && matches "$shared" "$shared/SHA256SUMS"; then
    if matches "$out" "$shared/SHA256SUMS"; then
        cmp -s "$shared/SHA256SUMS" "$out/SHA256SUMS" ||
            install -m 644 "$shared/SHA256SUMS" "$out/SHA256SUMS"
        log "$out is up to date (reference guest from $shared)"
    else
        copy_from "$shared"
        log "copied the reference guest from $shared to $out"
    fi
    exit 0
fi
if [ -n "$shared" ]; then
    log "$shared does not match its SHA256SUMS; not using it"
fi
if matches "$out" "$out/SHA256SUMS"; then
    log "$out is up to date (built here)"
    exit 0
fi
log "no usable reference guest; building one from Debian packages (about 10 minutes)"

rm -f "$out/SHA256SUMS"
"$here/build-guest.sh" "$out"
(cd "$out" && sha256sum "${files[@]}" >SHA256SUMS)
log "built the guest into $out"
