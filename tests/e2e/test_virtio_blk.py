"""virtio-blk against the reference guest: an ext4 image made on the host
is written by the guest and read back on the host (debugfs); data the
guest synced survives a SIGKILL of the monitor; a read-only disk stays
unchanged; serials, several disks, discard; bad --disk values."""
import hashlib
import shutil
import signal
import subprocess

import pytest

from conftest import APPEND, BOOT_TIMEOUT, QUICK_TIMEOUT, Session, boot, run_cella


def tool(name):
    path = shutil.which(name) or shutil.which(name, path="/sbin:/usr/sbin")
    if path is None:
        pytest.fail(f"{name} not found: apt-get install e2fsprogs", pytrace=False)
    return path


def ext4_image(path, size_mb=32):
    with open(path, "wb") as f:
        f.truncate(size_mb << 20)
    subprocess.run([tool("mke2fs"), "-q", "-F", "-t", "ext4", str(path)], check=True,
                   capture_output=True)
    return path


def debugfs_cat(image, name):
    p = subprocess.run([tool("debugfs"), "-R", f"cat /{name}", str(image)],
                       capture_output=True, timeout=30)
    return p.stdout.decode(errors="replace")


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_guest_writes_host_reads(cella, guest, tmp_path):
    img = ext4_image(tmp_path / "disk.img")
    r = boot(cella, guest, "mount,/dev/vda,/mnt&&echo,written-by-guest>/mnt/note&&umount,/mnt",
             "--disk", img)
    assert r.returncode == 0 and "guest: cmd exit 0" in r.stdout, r.explain()
    assert debugfs_cat(img, "note").strip() == "written-by-guest", r.explain()


def test_host_writes_guest_reads(cella, guest, tmp_path):
    img = ext4_image(tmp_path / "disk.img")
    src = tmp_path / "from-host"
    src.write_text("made-on-the-host\n")
    subprocess.run([tool("debugfs"), "-w", "-R", f"write {src} from-host", str(img)],
                   check=True, capture_output=True)
    r = boot(cella, guest, "mount,-o,ro,/dev/vda,/mnt&&cat,/mnt/from-host", "--disk", img)
    assert "made-on-the-host" in r.stdout and "guest: cmd exit 0" in r.stdout, r.explain()


def test_synced_data_survives_sigkill(cella, guest, tmp_path):
    img = ext4_image(tmp_path / "disk.img")
    cmd = ("mount,/dev/vda,/mnt&&dd,if=/dev/urandom,of=/mnt/blob,bs=64k,count=16,2>/dev/null"
           "&&md5sum,/mnt/blob&&sync&&echo,SYNCED&&sleep,600")
    argv = [cella, "vm", "run", *guest.args(), "--disk", img, "--append", f"{APPEND} cmd={cmd}"]
    with Session(argv, use_pty=False) as s:
        end = s.expect("SYNCED", BOOT_TIMEOUT)
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait()
        digest = [w for w in s.buf[:end].split() if len(w) == 32][-1]
    # The guest did not unmount: replay the journal the way a reboot would.
    fsck = subprocess.run([tool("e2fsck"), "-fy", str(img)], capture_output=True)
    assert fsck.returncode in (0, 1), fsck.stdout.decode(errors="replace")
    p = subprocess.run([tool("debugfs"), "-R", "cat /blob", str(img)], capture_output=True,
                       timeout=30)
    assert len(p.stdout) == 16 * 65536, f"blob has {len(p.stdout)} bytes after SIGKILL"
    assert hashlib.md5(p.stdout).hexdigest() == digest


def test_readonly_disk_is_unchanged(cella, guest, tmp_path):
    img = ext4_image(tmp_path / "disk.img")
    before = sha256(img)
    r = boot(cella, guest,
             "dd,if=/dev/zero,of=/dev/vda,bs=4k,count=1;echo,dd=$?;"
             "mount,/dev/vda,/mnt;echo,x>/mnt/x;echo,write=$?;cat,/sys/block/vda/ro",
             "--disk", f"{img},readonly")
    assert "guest: cmd exit 0" in r.stdout, r.explain()
    lines = r.lines()
    assert "dd=1" in lines and "write=1" in lines and "1" in lines, r.explain()
    assert sha256(img) == before


def test_serial_and_two_disks(cella, guest, tmp_path):
    a, b = tmp_path / "a.img", tmp_path / "b.img"
    a.write_bytes(b"A" * 4096)
    with open(b, "wb") as f:
        f.truncate(3 << 20)
    r = boot(cella, guest, "cat,/sys/block/vda/serial;echo;cat,/sys/block/vda/size,"
             "/sys/block/vdb/size;head,-c,4,/dev/vda;echo", "--disk", f"{a},serial=disk-A",
             "--disk", b)
    lines = r.lines()
    assert "disk-A" in lines and "8" in lines and "6144" in lines and "AAAA" in lines, r.explain()


def test_odd_sized_image_reads_zero_tail(cella, guest, tmp_path):
    img = tmp_path / "odd.img"
    img.write_bytes(b"Z" * 1000)
    r = boot(cella, guest, "cat,/sys/block/vda/size;od,-An,-c,-j,998,-N,4,/dev/vda",
             "--disk", img)
    assert "2" in r.lines() and "Z   Z  \\0  \\0" in r.stdout, r.explain()


def test_discard_and_flush(cella, guest, tmp_path):
    img = tmp_path / "raw.img"
    img.write_bytes(b"\xaa" * (1 << 20))
    r = boot(cella, guest, "blkdiscard,-o,0,-l,65536,/dev/vda;echo,discard=$?;sync;"
             "echo,3>/proc/sys/vm/drop_caches;od,-An,-tx1,-N,4,/dev/vda", "--disk", img)
    assert "discard=0" in r.lines(), r.explain()
    data = img.read_bytes()
    assert data[:65536] == bytes(65536) and data[65536:] == b"\xaa" * ((1 << 20) - 65536)
    assert "00 00 00 00" in r.stdout, r.explain()


BAD = {
    "missing": lambda tmp: [tmp / "no-such.img"],
    "directory": lambda tmp: [tmp],
    "unknown-option": lambda tmp: [f"{tmp / 'd.img'},fast"],
    "long-serial": lambda tmp: [f"{tmp / 'd.img'},serial={'x' * 21}"],
    "empty": lambda tmp: [""],
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_disk(cella, guest, tmp_path, case):
    (tmp_path / "d.img").write_bytes(bytes(4096))
    args = [a for v in BAD[case](tmp_path) for a in ("--disk", v)]
    r = run_cella(cella, ["vm", "run", *guest.args(), *args], QUICK_TIMEOUT)
    assert r.returncode == 1, r.explain()
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cella: --disk"), r.explain()


def test_image_in_use(cella, guest, tmp_path):
    img = ext4_image(tmp_path / "disk.img")
    argv = [cella, "vm", "run", *guest.args(), "--disk", img, "--append",
            f"{APPEND} cmd=sleep,600"]
    with Session(argv, use_pty=False) as s:
        s.expect("guest: init reached", BOOT_TIMEOUT)
        r = run_cella(cella, ["vm", "run", *guest.args(), "--disk", img], QUICK_TIMEOUT)
        assert r.returncode == 1 and "in use" in r.stderr, r.explain()
