"""Bad command lines and bad files: each must end with exit status 1 and
exactly one line "cella: ..." on stderr, without a crash or sanitizer report."""
import pytest

from conftest import QUICK_TIMEOUT, run_cella


def _guest(request):
    return request.getfixturevalue("guest")


def _truncated_kernel(request, tmp):
    f = tmp / "Image.truncated"
    with open(_guest(request).kernel, "rb") as k:
        f.write_bytes(k.read(100))
    return ["--kernel", f, "--initrd", _guest(request).initrd]


def _empty_kernel(request, tmp):
    f = tmp / "Image.empty"
    f.write_bytes(b"")
    return ["--kernel", f]


def _huge_initrd(request, tmp):
    # The ~5 MiB kernel fits in 16 MiB of RAM; a 32 MiB initrd cannot.
    f = tmp / "zeros.cpio"
    with open(f, "wb") as z:
        z.truncate(32 << 20)
    return ["--kernel", _guest(request).kernel, "--initrd", f, "--mem", "16M"]


def _with_guest(*opts):
    return lambda request, tmp: [*_guest(request).args(), *opts]


CASES = {
    "missing-kernel": lambda request, tmp: ["--kernel", tmp / "no-such-Image"],
    "truncated-kernel": _truncated_kernel,
    "empty-kernel": _empty_kernel,
    "non-riscv-elf": lambda request, tmp: ["--kernel", "/bin/true"],
    "kernel-is-directory": lambda request, tmp: ["--kernel", tmp],
    "missing-initrd": lambda request, tmp: ["--kernel", _guest(request).kernel,
                                            "--initrd", tmp / "no-such-initrd"],
    "initrd-too-big": _huge_initrd,
    "missing-bios": lambda request, tmp: ["--bios", tmp / "no-such-firmware.bin"],
    "mem-0": _with_guest("--mem", "0"),
    "mem-99T": _with_guest("--mem", "99T"),
    "mem-not-a-size": _with_guest("--mem", "lots"),
    "cpus-0": _with_guest("--cpus", "0"),
    "cpus-9": _with_guest("--cpus", "9"),
    "cpus-999": _with_guest("--cpus", "999"),
    "cpus-not-a-number": _with_guest("--cpus", "4x"),
    "engine-unknown": _with_guest("--engine", "kvm"),
    "unknown-option": _with_guest("--frobnicate"),
    "option-without-value": lambda request, tmp: ["--kernel"],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input(cella, request, tmp_path, case):
    args = CASES[case](request, tmp_path)
    r = run_cella(cella, ["vm", "run", *args], QUICK_TIMEOUT)
    assert r.returncode == 1, r.explain()
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cella: "), \
        f"want exactly one line 'cella: ...' on stderr\n{r.explain()}"
