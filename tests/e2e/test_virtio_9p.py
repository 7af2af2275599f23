"""virtio-9p against the reference guest: the guest mounts a host folder
(mount -t 9p -o trans=virtio TAG /mnt), reads and writes files the host
then sees; a read-only share refuses writes; symlinks planted in the
share never lead outside it; bad --share values."""
import os

import pytest

from conftest import QUICK_TIMEOUT, boot, run_cella

MOUNT = "mount,-t,9p,-o,trans=virtio,hostshare,/mnt"


def share_arg(path, *opts):
    return ",".join([str(path), "tag=hostshare", *opts])


def test_guest_reads_and_writes(cella, guest, tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    (share / "from-host.txt").write_text("made-on-the-host\n")
    (share / "old-name").write_text("rename me\n")
    (share / "doomed").write_text("delete me\n")
    cmd = (f"{MOUNT}&&cat,/mnt/from-host.txt&&echo,made-in-the-guest>/mnt/from-guest.txt&&"
           "mkdir,-p,/mnt/dir/sub&&echo,deep>/mnt/dir/sub/f&&mv,/mnt/old-name,/mnt/new-name&&"
           "rm,/mnt/doomed&&dd,if=/dev/zero,of=/mnt/big,bs=64k,count=32,2>/dev/null&&"
           "ln,-s,dir/sub/f,/mnt/link&&cat,/mnt/link&&sync")
    r = boot(cella, guest, cmd, "--share", share_arg(share))
    assert "guest: cmd exit 0" in r.stdout, r.explain()
    assert "made-on-the-host" in r.lines() and "deep" in r.lines(), r.explain()
    assert (share / "from-guest.txt").read_text() == "made-in-the-guest\n"
    assert (share / "dir" / "sub" / "f").read_text() == "deep\n"
    assert (share / "new-name").read_text() == "rename me\n"
    assert not (share / "old-name").exists() and not (share / "doomed").exists()
    assert (share / "big").stat().st_size == 32 * 65536
    assert os.readlink(share / "link") == "dir/sub/f"


def test_readonly_share(cella, guest, tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    (share / "keep.txt").write_text("unchanged\n")
    cmd = (f"{MOUNT}&&cat,/mnt/keep.txt;echo,x>/mnt/new.txt;echo,create=$?;"
           "echo,y>>/mnt/keep.txt;echo,append=$?;rm,/mnt/keep.txt;echo,rm=$?")
    r = boot(cella, guest, cmd, "--share", share_arg(share, "readonly"))
    lines = r.lines()
    assert "unchanged" in lines, r.explain()
    assert "create=1" in lines and "append=1" in lines and "rm=1" in lines, r.explain()
    assert sorted(os.listdir(share)) == ["keep.txt"]
    assert (share / "keep.txt").read_text() == "unchanged\n"


def test_symlinks_do_not_escape(cella, guest, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("host-secret-1234\n")
    share = tmp_path / "share"
    share.mkdir()
    os.symlink(outside, share / "abs")                # absolute host path
    os.symlink("../outside", share / "rel")           # relative, climbing out
    os.symlink("/", share / "root")
    os.symlink(outside / "secret", share / "file")
    cmd = (f"{MOUNT}&&cat,/mnt/abs/secret;cat,/mnt/rel/secret;cat,/mnt/file;"
           f"cat,/mnt/root{outside}/secret;cat,/mnt/../outside/secret;"
           "ls,/mnt/..;echo,DONE")
    r = boot(cella, guest, cmd, "--share", share_arg(share))
    assert "DONE" in r.lines(), r.explain()
    assert "host-secret-1234" not in r.stdout, r.explain()
    assert (outside / "secret").read_text() == "host-secret-1234\n"


def test_guest_symlink_stays_a_link(cella, guest, tmp_path):
    """A link the guest makes to / is stored as is; the host never
    follows it on the guest's behalf."""
    share = tmp_path / "share"
    share.mkdir()
    cmd = f"{MOUNT}&&ln,-s,/etc,/mnt/etc-link&&echo,x>/mnt/etc-link/planted;echo,rc=$?"
    r = boot(cella, guest, cmd, "--share", share_arg(share))
    assert "guest: cmd exit 0" in r.stdout, r.explain()
    assert os.readlink(share / "etc-link") == "/etc"
    assert not os.path.exists("/etc/planted")


BAD = {
    "missing": lambda tmp: share_arg(tmp / "no-such-dir"),
    "a-file": lambda tmp: share_arg(tmp / "f"),
    "no-tag": lambda tmp: str(tmp),
    "empty-tag": lambda tmp: f"{tmp},tag=",
    "unknown-option": lambda tmp: share_arg(tmp, "fast"),
    "long-tag": lambda tmp: f"{tmp},tag={'t' * 65}",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_share(cella, guest, tmp_path, case):
    (tmp_path / "f").write_text("x")
    r = run_cella(cella, ["vm", "run", *guest.args(), "--share", BAD[case](tmp_path)],
                  QUICK_TIMEOUT)
    assert r.returncode == 1, r.explain()
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cella: --share"), r.explain()
