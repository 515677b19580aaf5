"""Tests for tools/usb.sh, the guarded USB writer (run by make test, or:
python3 -m unittest discover -s tests/tools -p test_usb.py).

Every refusal is checked by its exit status and its one-line message, and
where the target held something, that it still holds it. The
file cases run anywhere. The disk cases need root and losetup: they attach
loop devices to files in a temporary directory, and where a disk must look
removable they point the script at a fake sysfs tree (LULL_USB_SYSFS) that
copies the loop device's real attributes and says removable=1. No real disk
is ever named: only the loop devices these tests attached.
"""

import hashlib
import os
import re
import shutil
import stat
import struct
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
USB = ROOT / "tools" / "usb.sh"

# The exit statuses of tools/usb.sh, and a word its header uses for each.
STATUS = {
    "ok": (0, "written and verified"),
    "usage": (2, "usage"),
    "no_iso": (3, "the ISO is missing"),
    "missing": (4, "does not exist"),
    "regular": (5, "regular file"),
    "not_block": (6, "neither a block device"),
    "no_sysfs": (7, "sysfs does not know"),
    "partition": (8, "partition"),
    "rootish": (9, "holds / or /boot"),
    "fixed": (10, "not removable"),
    "mounted": (11, "is mounted"),
    "swap": (12, "swap"),
    "holders": (13, "holders"),
    "read_only": (14, "read-only"),
    "small": (15, "smaller than the ISO"),
    "declined": (16, "not confirmed"),
    "write": (17, "the write failed"),
    "verify": (18, "verification failed"),
}
OVERRIDES = ("YES", "IMAGE", "LULL_USB_SYSFS", "LULL_USB_MOUNTINFO", "LULL_USB_SWAPS")
ISO_SIZE = 1024 * 1024 + 2048 + 7   # not a whole number of sectors: the read-back must cut exactly
DISK_SIZE = 4 << 20                 # a loop device's backing file: the ISO fits, with room


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class UsbCase(unittest.TestCase):
    """A temporary directory holding a fake ISO, and a way to run the script."""

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="lull-usb-test."))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.iso = self.tmp / "lull.iso"
        self.iso_bytes = os.urandom(ISO_SIZE)
        self.iso.write_bytes(self.iso_bytes)
        self.empty_mounts = self.tmp / "mountinfo.empty"
        self.empty_mounts.write_text("")

    def usb(self, dev, stdin="", iso=None, **env):
        """Run tools/usb.sh ISO DEV with only the given overrides set."""
        full = {k: v for k, v in os.environ.items() if k not in OVERRIDES}
        full.update({k: str(v) for k, v in env.items()})
        args = ["bash", str(USB), str(self.iso if iso is None else iso)]
        if dev is not None:
            args.append(str(dev))
        return subprocess.run(args, input=stdin, capture_output=True, text=True,
                              env=full, timeout=60)

    def assertRefused(self, p, name, *words):
        status, _ = STATUS[name]
        self.assertEqual(p.returncode, status, f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
        lines = p.stderr.strip().splitlines()
        self.assertTrue(lines, "no message")
        for w in words:
            self.assertIn(w, lines[-1])

    def assertVerified(self, p, target_bytes):
        self.assertEqual(p.returncode, 0, f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
        self.assertEqual(target_bytes[:ISO_SIZE], self.iso_bytes)
        want = sha256(self.iso_bytes)
        # Both sums are reported: the ISO's, and the one read back.
        self.assertEqual(len(re.findall(r"^sha256 " + want + " ", p.stdout, re.M)), 2, p.stdout)
        self.assertIn("written and verified", p.stdout)


class HeaderTest(unittest.TestCase):
    def test_every_status_is_documented_once(self):
        header = USB.read_text().split("set -")[0]
        documented = {}
        for m in re.finditer(r"^#[ ]+(\d+)  (.*(?:\n#       .*)*)", header, re.M):
            status = int(m.group(1))
            self.assertNotIn(status, documented, f"status {status} documented twice")
            documented[status] = " ".join(m.group(2).replace("#", " ").split())
        self.assertEqual(sorted(documented), list(range(19)))
        for name, (status, words) in STATUS.items():
            self.assertIn(words, documented[status], name)

    def test_test_overrides_are_documented_as_such(self):
        header = USB.read_text().split("set -")[0]
        self.assertIn("For the tests only", header)
        for var in OVERRIDES[2:]:
            self.assertIn(var, header)


class FileTest(UsbCase):
    """Refusals and writes that need no block device."""

    def test_usage(self):
        self.assertRefused(self.usb(None), "usage", "usage")
        self.assertRefused(self.usb(""), "usage", "usage")

    def test_missing_iso(self):
        target = self.tmp / "out.img"
        p = self.usb(target, iso=self.tmp / "none.iso", IMAGE=1, YES=1)
        self.assertRefused(p, "no_iso", "none.iso")
        self.assertFalse(target.exists())

    def test_empty_iso(self):
        empty = self.tmp / "empty.iso"
        empty.write_bytes(b"")
        self.assertRefused(self.usb(self.tmp / "out.img", iso=empty, IMAGE=1, YES=1), "no_iso")

    def test_missing_path(self):
        self.assertRefused(self.usb(self.tmp / "sdz", YES=1), "missing", "sdz does not exist")
        self.assertRefused(self.usb(self.tmp / "no" / "sdz", YES=1, IMAGE=1), "missing")

    def test_dangling_link(self):
        link = self.tmp / "usb-Stick_0-0:0"
        link.symlink_to(self.tmp / "gone")
        self.assertRefused(self.usb(link, YES=1), "missing", str(link))

    def test_missing_path_under_dev_is_never_created(self):
        name = Path("/dev/lull-usb-test-no-such-disk")
        self.assertFalse(name.exists())
        p = self.usb(name, YES=1, IMAGE=1)
        if name.exists():
            name.unlink()
        self.assertRefused(p, "missing")

    def test_regular_file_without_image(self):
        target = self.tmp / "disk.img"
        target.write_bytes(b"\x55" * 4096)
        self.assertRefused(self.usb(target, YES=1), "regular", "IMAGE=1")
        self.assertEqual(target.read_bytes(), b"\x55" * 4096)

    def test_iso_itself(self):
        before = self.iso.read_bytes()
        self.assertRefused(self.usb(self.iso, YES=1, IMAGE=1), "regular", "the ISO itself")
        self.assertEqual(self.iso.read_bytes(), before)

    def test_character_device(self):
        self.assertRefused(self.usb("/dev/null", YES=1), "not_block", "character device")
        link = self.tmp / "by-id-link"
        link.symlink_to("/dev/null")
        self.assertRefused(self.usb(link, YES=1, IMAGE=1), "not_block", "character device")

    def test_directory_and_fifo(self):
        self.assertRefused(self.usb(self.tmp, YES=1), "not_block", "directory")
        fifo = self.tmp / "fifo"
        os.mkfifo(fifo)
        self.assertRefused(self.usb(fifo, YES=1, IMAGE=1), "not_block", "not a block device")

    def test_image_written_in_place_and_verified(self):
        target = self.tmp / "stick.img"
        tail = b"\xaa" * 4096
        target.write_bytes(b"\x00" * ISO_SIZE + tail)
        p = self.usb(target, YES=1, IMAGE=1)
        data = target.read_bytes()
        self.assertVerified(p, data)
        self.assertEqual(data[ISO_SIZE:], tail, "an image file keeps its size, like a disk")

    def test_new_image_through_a_link(self):
        target = self.tmp / "new.img"
        link = self.tmp / "link.img"
        link.symlink_to(target)
        p = self.usb(link, YES=1, IMAGE=1)
        self.assertVerified(p, target.read_bytes())
        self.assertTrue(link.is_symlink())

    def test_no_answer_aborts_without_writing(self):
        target = self.tmp / "stick.img"
        target.write_bytes(b"\x00" * 8192)
        for answer in ("no\n", "", "y\n", "YES please\n", "stick\n"):
            p = self.usb(target, stdin=answer, IMAGE=1)
            self.assertRefused(p, "declined", "nothing written")
            self.assertIn("Type stick.img or yes", p.stderr)
            self.assertEqual(target.read_bytes(), b"\x00" * 8192)
        p = self.usb(self.tmp / "new.img", stdin="no\n", IMAGE=1)
        self.assertRefused(p, "declined")
        self.assertFalse((self.tmp / "new.img").exists())

    def test_a_bad_read_back_fails(self):
        # A dd that stores one wrong byte, as a failing stick would: only the
        # read-back can tell.
        bin_dir = self.tmp / "bin"
        bin_dir.mkdir()
        fake = bin_dir / "dd"
        fake.write_text("#!/bin/bash\n"
                        f"{shutil.which('dd')} \"$@\" || exit\n"
                        "for a; do case $a in of=*) printf X | "
                        f"{shutil.which('dd')} of=\"${{a#of=}}\" bs=1 seek=1000 conv=notrunc "
                        "status=none ;; esac; done\n")
        fake.chmod(0o755)
        target = self.tmp / "stick.img"
        p = self.usb(target, YES=1, IMAGE=1, PATH=f"{bin_dir}:{os.environ['PATH']}")
        self.assertRefused(p, "verify", "verification FAILED")
        self.assertEqual(target.read_bytes()[1000:1001], b"X")
        self.assertIn("sha256 " + sha256(self.iso_bytes) + " ", p.stdout)
        self.assertIn("sha256 " + sha256(target.read_bytes()) + " ", p.stdout)

    def test_answer_name_or_yes_writes(self):
        for answer in ("stick.img\n", "yes\n"):
            target = self.tmp / "stick.img"
            target.write_bytes(b"")
            self.assertVerified(self.usb(target, stdin=answer, IMAGE=1), target.read_bytes())


def can_loop():
    if os.geteuid() != 0:
        return "needs root (loop devices)"
    for tool in ("losetup", "partx", "mkfs.ext4", "mount"):
        if not shutil.which(tool):
            return f"needs {tool}"
    if not os.path.exists("/dev/loop-control"):
        return "needs /dev/loop-control"
    return ""


@unittest.skipIf(can_loop(), can_loop())
class LoopTest(UsbCase):
    """Disk cases on loop devices attached here; each is detached in cleanup."""

    def attach(self, size, partitioned=False, read_only=False):
        """A loop device over a new file of size bytes; with partitioned, an MBR
        with one partition from 1 MiB to the end, and its node /dev/loopNp1."""
        backing = self.tmp / f"disk{len(list(self.tmp.glob('disk*')))}.img"
        with open(backing, "wb") as f:
            f.truncate(size)
            if partitioned:
                start = 2048
                entry = struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x83, b"\0\0\0",
                                    start, size // 512 - start)
                f.seek(446)
                f.write(entry)
                f.seek(510)
                f.write(b"\x55\xaa")
        cmd = ["losetup", "-f", "--show"] + (["-P"] if partitioned else []) + \
              (["-r"] if read_only else []) + [str(backing)]
        dev = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
        self.assertRegex(dev, r"^/dev/loop\d+$")
        self.addCleanup(subprocess.run, ["losetup", "-d", dev], capture_output=True)
        if partitioned:
            # A kernel built without the MBR parser finds no partition: then
            # libblkid reads the table and partx adds it with BLKPG.
            part = Path(dev + "p1")
            if not Path("/sys/class/block", part.name).exists():
                subprocess.run(["partx", "--add", dev], check=True, capture_output=True)
            for _ in range(50):
                if part.is_block_device():
                    break
                time.sleep(0.02)
            self.assertTrue(part.is_block_device(), f"{part} did not appear")
        return Path(dev), backing

    def mount(self, dev):
        subprocess.run(["mkfs.ext4", "-q", "-F", str(dev)], check=True, capture_output=True)
        mnt = self.tmp / f"mnt-{dev.name}"
        mnt.mkdir()
        subprocess.run(["mount", str(dev), str(mnt)], check=True, capture_output=True)
        self.addCleanup(subprocess.run, ["umount", str(mnt)], capture_output=True)
        return mnt

    def fake_sysfs(self, dev, removable="1", holders=()):
        """A sysfs tree for dev copied from the real one, under a USB host
        controller, saying removable; holders (names) are stacked on its
        first partition, or on the disk when it has none."""
        real = Path("/sys/class/block") / dev.name
        root = self.tmp / "sys"
        disk = root / "devices/pci0000:00/0000:00:14.0/usb1/1-1/host9/block" / dev.name
        (root / "dev/block").mkdir(parents=True)
        (root / "block").mkdir()
        (root / "block" / dev.name).symlink_to(disk)

        def copy(src, dst):
            dst.mkdir(parents=True)
            (dst / "holders").mkdir()
            for attr in ("dev", "size", "ro", "partition"):
                if (src / attr).exists():
                    (dst / attr).write_text((src / attr).read_text())
            (root / "dev/block" / (dst / "dev").read_text().strip()).symlink_to(dst)

        copy(real, disk)
        (disk / "removable").write_text(removable + "\n")
        (disk / "device").mkdir()
        (disk / "device/vendor").write_text("LULL    \n")
        (disk / "device/model").write_text("Fake Stick      \n")
        parts = sorted(p.name for p in real.iterdir() if (p / "partition").exists())
        for p in parts:
            copy(real / p, disk / p)
        for i, h in enumerate(holders):
            held = root / "devices/virtual/block" / h
            held.mkdir(parents=True)
            (held / "dev").write_text(f"253:{90 + i}\n")
            (held / "holders").mkdir()
            ((disk / parts[0]) if parts else disk).joinpath("holders", h).symlink_to(held)
        return root

    def majmin(self, dev):
        rdev = os.stat(dev).st_rdev
        return f"{os.major(rdev)}:{os.minor(rdev)}"

    def test_not_removable(self):
        dev, _ = self.attach(DISK_SIZE)
        self.assertRefused(self.usb(dev, YES=1), "fixed", "not a removable disk")

    def test_bare_name(self):
        dev, backing = self.attach(DISK_SIZE)
        p = self.usb(dev.name, YES=1, LULL_USB_SYSFS=self.fake_sysfs(dev),
                     LULL_USB_MOUNTINFO=self.empty_mounts)
        self.assertRefused(p, "missing", f"the disk is {dev}")
        self.assertEqual(backing.read_bytes().count(0), DISK_SIZE)

    def test_partition(self):
        dev, _ = self.attach(DISK_SIZE, partitioned=True)
        p = self.usb(Path(f"{dev}p1"), YES=1)
        self.assertRefused(p, "partition", f"give the whole disk ({dev})")

    def test_unknown_to_sysfs(self):
        dev, _ = self.attach(DISK_SIZE)
        (self.tmp / "sys/dev/block").mkdir(parents=True)
        p = self.usb(dev, YES=1, LULL_USB_SYSFS=self.tmp / "sys")
        self.assertRefused(p, "no_sysfs", "cannot be checked")

    def test_mounted_disk(self):
        dev, _ = self.attach(DISK_SIZE)
        mnt = self.mount(dev)
        p = self.usb(dev, YES=1, LULL_USB_SYSFS=self.fake_sysfs(dev))
        self.assertRefused(p, "mounted", str(mnt))

    def test_mounted_partition(self):
        dev, backing = self.attach(DISK_SIZE, partitioned=True)
        mnt = self.mount(Path(f"{dev}p1"))
        before = backing.read_bytes()[:1 << 20]
        p = self.usb(dev, YES=1, LULL_USB_SYSFS=self.fake_sysfs(dev))
        self.assertRefused(p, "mounted", str(mnt))
        self.assertEqual(backing.read_bytes()[:1 << 20], before)

    def test_holds_root_or_boot(self):
        dev, _ = self.attach(DISK_SIZE, partitioned=True)
        sysfs = self.fake_sysfs(dev)
        table = self.tmp / "mountinfo"
        table.write_text(f"27 1 {self.majmin(dev)} / / rw,relatime - ext4 {dev} rw\n")
        p = self.usb(dev, YES=1, LULL_USB_SYSFS=sysfs, LULL_USB_MOUNTINFO=table)
        self.assertRefused(p, "rootish", "holds /")
        # /boot by its source alone, the way btrfs shows an anonymous maj:min.
        # Lines that name no disk of this machine are passed over.
        table.write_text("27 1 254:0 / / rw - ext4 /dev/lull-usb-test-none rw\n"
                         "\n"
                         "28 27 0:40 / /tmp rw - tmpfs /tmp rw\n"
                         f"31 27 0:99 / /boot rw shared:5 - btrfs {dev}p1 rw\n")
        p = self.usb(dev, YES=1, LULL_USB_SYSFS=sysfs, LULL_USB_MOUNTINFO=table)
        self.assertRefused(p, "rootish", "holds /boot")

    def test_mount_point_with_a_space(self):
        dev, _ = self.attach(DISK_SIZE)
        table = self.tmp / "mountinfo"
        table.write_text(f"40 27 {self.majmin(dev)} / /media/my\\040stick rw - vfat {dev} rw\n")
        p = self.usb(dev, YES=1, LULL_USB_SYSFS=self.fake_sysfs(dev), LULL_USB_MOUNTINFO=table)
        self.assertRefused(p, "mounted", "/media/my stick")

    def test_swap(self):
        dev, _ = self.attach(DISK_SIZE, partitioned=True)
        swaps = self.tmp / "swaps"
        swaps.write_text("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
                         f"{dev}p1                          partition\t3072\t\t0\t\t-2\n")
        p = self.usb(dev, YES=1, LULL_USB_SYSFS=self.fake_sysfs(dev),
                     LULL_USB_MOUNTINFO=self.empty_mounts, LULL_USB_SWAPS=swaps)
        self.assertRefused(p, "swap", f"{dev}p1")

    def test_holders(self):
        dev, _ = self.attach(DISK_SIZE, partitioned=True)
        p = self.usb(dev, YES=1, LULL_USB_SYSFS=self.fake_sysfs(dev, holders=["dm-7"]),
                     LULL_USB_MOUNTINFO=self.empty_mounts)
        self.assertRefused(p, "holders", "dm-7")

    def test_mount_on_a_holder(self):
        dev, _ = self.attach(DISK_SIZE, partitioned=True)
        table = self.tmp / "mountinfo"
        table.write_text("50 27 253:90 / /srv rw - xfs /dev/mapper/vg-srv rw\n")
        p = self.usb(dev, YES=1, LULL_USB_SYSFS=self.fake_sysfs(dev, holders=["dm-7"]),
                     LULL_USB_MOUNTINFO=table)
        self.assertRefused(p, "mounted", "/srv")

    def test_read_only(self):
        dev, _ = self.attach(DISK_SIZE, read_only=True)
        p = self.usb(dev, YES=1, LULL_USB_SYSFS=self.fake_sysfs(dev),
                     LULL_USB_MOUNTINFO=self.empty_mounts)
        self.assertRefused(p, "read_only", "read-only")

    def test_smaller_than_the_iso(self):
        dev, backing = self.attach(ISO_SIZE // 2 // 512 * 512)
        p = self.usb(dev, YES=1, LULL_USB_SYSFS=self.fake_sysfs(dev),
                     LULL_USB_MOUNTINFO=self.empty_mounts)
        self.assertRefused(p, "small", f"the ISO needs {ISO_SIZE}")
        self.assertEqual(backing.read_bytes().count(0), backing.stat().st_size)

    def test_declined_on_a_disk(self):
        dev, backing = self.attach(DISK_SIZE)
        p = self.usb(dev, stdin="no\n", LULL_USB_SYSFS=self.fake_sysfs(dev),
                     LULL_USB_MOUNTINFO=self.empty_mounts)
        self.assertRefused(p, "declined")
        self.assertEqual(backing.read_bytes().count(0), DISK_SIZE, "something was written")

    def test_write_and_verify_on_a_disk_by_link(self):
        dev, backing = self.attach(DISK_SIZE)
        link = self.tmp / "usb-LULL_Fake_Stick-0:0"
        link.symlink_to(dev)
        p = self.usb(link, stdin=dev.name + "\n", LULL_USB_SYSFS=self.fake_sysfs(dev),
                     LULL_USB_MOUNTINFO=self.empty_mounts)
        self.assertVerified(p, backing.read_bytes())
        self.assertIn(f"-> {dev} ({dev.name})", p.stdout)
        self.assertIn("LULL Fake Stick", p.stdout)
        self.assertIn(f"size:      {DISK_SIZE} bytes (0.0 GiB)", p.stdout)
        self.assertIn("transport: usb", p.stdout)

    def test_write_failure(self):
        fs = self.tmp / "small-fs"
        fs.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "lull-usb-test", str(fs)],
                       check=True, capture_output=True)
        self.addCleanup(subprocess.run, ["umount", str(fs)], capture_output=True)
        self.assertRefused(self.usb(fs / "stick.img", YES=1, IMAGE=1), "write", "writing")


if __name__ == "__main__":
    unittest.main()
