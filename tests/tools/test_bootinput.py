"""Unit tests for tools/bootinput.py, the bad-boot-input table's parser
(run by make test, or: python3 -m unittest discover -s tests/tools)."""

import os
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import bootinput  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent.parent


def parse_text(text):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "table.txt"
        path.write_text(text)
        return bootinput.parse(path)


class ExpandTest(unittest.TestCase):
    def test_plain_text_is_kept(self):
        self.assertEqual(bootinput.expand("nohz_full=1-3 pti=off"), "nohz_full=1-3 pti=off")

    def test_repeat(self):
        self.assertEqual(bootinput.expand("a {pti=on *3}b"), "a pti=on pti=on pti=on b")
        self.assertEqual(len(bootinput.expand("{x*10000}")), 10000)
        for bad in ("{x*0}", "{x*10001}", "{x*}", "{x*2", "x}"):
            with self.assertRaises(ValueError, msg=bad):
                bootinput.expand(bad)

    def test_bytes(self):
        self.assertEqual(bootinput.expand(r"a\x01b\x7F"), "a\x01b\x7f")
        # Past ASCII, each \xHH is one byte once encoded for the command line.
        self.assertEqual(os.fsencode(bootinput.expand(r"\xc3\xa9\xff")), b"\xc3\xa9\xff")
        for bad in (r"\x00", r"\x1", r"\q", "a\\"):
            with self.assertRaises(ValueError, msg=bad):
                bootinput.expand(bad)

    def test_repeat_then_bytes(self):
        self.assertEqual(os.fsencode(bootinput.expand(r"{\x80*2}")), b"\x80\x80")


class ParseTest(unittest.TestCase):
    def test_rows(self):
        rows, problems = parse_text(
            "# a comment\n"
            "\n"
            "one   bios       'nohz_full=5-2'  'text one'  \"text 'two'\"  # trailing comment\n"
            "two   bios,uefi  '{a *2}'  '\\x01 stays literal here'\n")
        self.assertEqual(problems, [])
        self.assertEqual([r.name for r in rows], ["one", "two"])
        self.assertEqual(rows[0].firmwares, ["bios"])
        self.assertEqual(rows[0].cmdline, "nohz_full=5-2")
        self.assertEqual(rows[0].expect, ["text one", "text 'two'"])
        self.assertEqual(rows[1].firmwares, ["bios", "uefi"])
        self.assertEqual(rows[1].cmdline, "a a ")
        self.assertEqual(rows[1].expect, ["\\x01 stays literal here"])
        self.assertEqual(rows[1].where, "table.txt:4")

    def test_every_problem_names_its_line(self):
        rows, problems = parse_text(
            "good   bios  'x'  'y'\n"
            "short  bios  'x'\n"
            "good   bios  'x'  'y'\n"
            "Bad_Name  bios  'x'  'y'\n"
            "fw1    bochs  'x'  'y'\n"
            "fw2    bios,bios  'x'  'y'\n"
            "empty  bios  'x'  ''\n"
            "esc    bios  'a\\qb'  'y'\n"
            "quote  bios  'x  'y'\n")
        self.assertEqual([r.name for r in rows], ["good"])
        self.assertEqual([w for w, _ in problems], [f"table.txt:{n}" for n in range(2, 10)])
        reasons = " | ".join(why for _, why in problems)
        for text in ("expected: name firmware", "used twice", "a-z 0-9 -", "'bochs'",
                     "'bios,bios'", "empty", "backslash", "quotation"):
            self.assertIn(text, reasons)

    def test_the_table_itself_parses(self):
        rows, problems = bootinput.parse(ROOT / "tests" / "bad-boot-input.txt")
        self.assertEqual(problems, [])
        self.assertGreaterEqual(len(rows), 10)
        long_line = [r for r in rows if r.name == "long-line"]
        self.assertTrue(long_line and len(long_line[0].cmdline) > 1024)


if __name__ == "__main__":
    unittest.main()
