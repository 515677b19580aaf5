"""Unit tests for tools/ktap.py (run by make test, or:
python3 -m unittest discover -s tests/tools)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import ktap  # noqa: E402

GOOD = """\
KTAP version 1
1..2
    KTAP version 1
    # Subtest: boot
    1..3
    ok 1 serial
    ok 2 smp
    ok 3 pcid # SKIP no PCID under TCG
ok 1 boot
    KTAP version 1
    # Subtest: tlb
    1..1
    ok 1 - flush
ok 2 tlb
"""


def lines(text):
    return text.splitlines(keepends=True)


class KtapTest(unittest.TestCase):
    def test_all_pass(self):
        r = ktap.parse(lines(GOOD))
        self.assertEqual((r.passed, r.failed, r.skipped), (3, 0, 1))
        self.assertEqual(r.problems, [])
        self.assertFalse(r.not_ok_seen)

    def test_complete_only_after_last_result(self):
        p = ktap.Parser()
        text = lines(GOOD)
        for line in text[:-1]:
            p.feed(line)
        self.assertFalse(p.complete)
        p.feed(text[-1])
        self.assertTrue(p.complete)

    def test_not_ok_case_is_counted_once(self):
        text = GOOD.replace("    ok 2 smp", "    not ok 2 smp") \
                   .replace("ok 1 boot", "not ok 1 boot")
        r = ktap.parse(lines(text))
        self.assertEqual((r.passed, r.failed, r.skipped), (2, 1, 1))
        self.assertEqual(r.failures, ["boot.smp: not ok"])
        self.assertTrue(r.not_ok_seen)

    def test_noise_escapes_and_crs_are_ignored(self):
        noisy = "\x1b[2J\x1b[01;01HBooting `lull'\r\n\r" + GOOD.replace(
            "ok 1 boot\n", "lull: 8 CPUs up\r\nok 1 boot\r\n")
        noisy = noisy.replace("    ok 2 smp\n", "cpu 3: online\n    ok 2 smp\n")
        r = ktap.parse(lines(noisy))
        self.assertEqual((r.passed, r.failed, r.skipped), (3, 0, 1))
        self.assertEqual(r.problems, [])

    def test_missing_cases_fail(self):
        text = GOOD.replace("    ok 2 smp\n", "").replace("    ok 3 pcid # SKIP no PCID under TCG\n", "")
        r = ktap.parse(lines(text))
        self.assertEqual((r.passed, r.failed), (2, 2))
        self.assertIn("boot: plan 1..3 but 1 results", r.problems)

    def test_crash_mid_suite(self):
        text = "".join(lines(GOOD)[:6]) + "Kernel panic: page fault\n"
        p = ktap.Parser()
        for line in lines(text):
            p.feed(line)
        self.assertFalse(p.complete)
        r = p.report()
        # serial passed; smp and pcid missing; suite tlb never ran.
        self.assertEqual((r.passed, r.failed), (1, 3))
        self.assertTrue(any("no top-level result" in x for x in r.problems))

    def test_no_output(self):
        r = ktap.parse(["GRUB loading\n", "ok 1 not ktap yet\n"])
        self.assertEqual(r.total, 0)
        self.assertEqual(r.problems, ["no KTAP output"])

    def test_suite_not_ok_with_passing_cases(self):
        text = GOOD.replace("ok 2 tlb", "not ok 2 tlb")
        r = ktap.parse(lines(text))
        self.assertEqual(r.failed, 1)
        self.assertIn("tlb", r.failures[0])

    def test_top_level_test_without_cases(self):
        r = ktap.parse(lines("KTAP version 1\n1..2\nok 1 alone\nok 2 other # SKIP n/a\n"))
        self.assertEqual((r.passed, r.failed, r.skipped), (1, 0, 1))

    def test_subtest_before_header(self):
        text = GOOD.replace("    KTAP version 1\n    # Subtest: boot\n",
                            "    # Subtest: boot\n    KTAP version 1\n")
        p = ktap.Parser()
        for line in lines(text):
            p.feed(line)
        self.assertEqual(p.suites[0].name, "boot")
        self.assertEqual(len(p.suites[0].cases), 3)

    def test_deeper_levels_are_summed_up_by_their_case(self):
        text = GOOD.replace("    ok 1 serial\n",
                            "        KTAP version 1\n        # Subtest: serial\n"
                            "        not ok 1 param-0\n    ok 1 serial\n")
        r = ktap.parse(lines(text))
        self.assertEqual((r.passed, r.failed, r.skipped), (3, 0, 1))


if __name__ == "__main__":
    unittest.main()
