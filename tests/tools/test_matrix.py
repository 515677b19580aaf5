"""Unit tests for tools/test.py's matrix lines (@qemu=, @serial=) and its
COM1 check for @serial=silent (run by make test, or:
python3 -m unittest discover -s tests/tools)."""

import importlib.util
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
# Loaded under its own name: "test" is also the standard library's package.
_spec = importlib.util.spec_from_file_location("lull_test_harness", ROOT / "tools" / "test.py")
harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)


def parse_text(text):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "matrix.txt"
        path.write_text(text)
        return harness.parse_matrix(path)


class MatrixOptionsTest(unittest.TestCase):
    def test_qemu_args_are_shell_words(self):
        configs, broken = parse_text(
            "a bios q35 4 256M pass ktest=boot @qemu='-machine hpet=off' @qemu=-no-hpet\n")
        self.assertEqual(broken, [])
        self.assertEqual(configs[0].qemu_args, ["-machine", "hpet=off", "-no-hpet"])
        self.assertEqual(configs[0].cmdline, "ktest=boot")
        self.assertEqual(configs[0].serial, "com1")

    def test_serial(self):
        configs, broken = parse_text(
            "a bios pc 2 128M pass ktest=boot @serial=none\n"
            "b uefi q35 2 128M pass ktest=boot serial=off @serial=silent\n")
        self.assertEqual(broken, [])
        self.assertEqual([c.serial for c in configs], ["none", "silent"])
        self.assertEqual(configs[1].cmdline, "ktest=boot serial=off")

    def test_bad_options(self):
        configs, broken = parse_text(
            "a bios pc 2 128M pass ktest=boot @serial=off\n"
            "b bochs - 2 128 pass ktest=boot @qemu=-no-hpet\n"
            "c bochs - 2 128 pass ktest=boot @serial=none\n"
            "d bios pc 2 128M pass ktest=boot @qemu='-machine\n"
            "e bios pc 2 128M pass ktest=boot @qemu=\"'x\"\n")
        self.assertEqual(configs, [])
        self.assertEqual(len(broken), 5)
        self.assertIn("expected none or silent", broken[0].reason)
        self.assertIn("for QEMU lines", broken[1].reason)
        self.assertIn("for QEMU lines", broken[2].reason)
        self.assertIn("matrix.txt:4", broken[3].reason)
        self.assertIn("@qemu", broken[4].reason)


class Com1SilentTest(unittest.TestCase):
    def check(self, data):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "com1.log"
            path.write_bytes(data)
            return harness.com1_used(path)

    def test_grub_alone_is_silent(self):
        self.assertEqual(self.check(b"\x1b[H\x1b[J  Booting `lull'\r\n\r\n\r"), [])

    def test_a_byte_from_lull_is_seen(self):
        why = self.check(b"  Booting `lull'\r\n\r\ncmdline: unknown word 'x'\r\n")
        self.assertEqual(len(why), 1)
        self.assertIn("lull wrote to COM1: \"cmdline: unknown word 'x'\"", why[0])

    def test_no_grub_no_verdict(self):
        self.assertIn("cannot tell", self.check(b"")[0])
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(harness.com1_used(Path(d) / "none.log"), ["no COM1 log"])


if __name__ == "__main__":
    unittest.main()
