"""Unit tests for tools/model.py's parsing and verdicts (no spin needed; run
by make test, or: python3 -m unittest discover -s tests/tools)."""

import os
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import model  # noqa: E402

# Trimmed from real pan output (spin 6.5.2).
COMPLETE = """\
(Spin Version 6.5.2 -- 6 December 2019)

Full statespace search for:
\tnever claim         \t- (none specified)
\tassertion violations\t+
\tcycle checks       \t- (disabled by -DSAFETY)
\tinvalid end states\t+

State-vector 108 byte, depth reached 163, errors: 0
   347944 states, stored
   861284 states, matched
"""

CUT_SHORT = "error: max search depth too small\n" + COMPLETE.replace(
    "depth reached 163", "depth reached 49")

VIOLATION = """\
pan:1: assertion violated  !((mem[(4+1)]&&(tlb[1]==1))) (at depth 46)
pan: wrote flush.pml.trail

(Spin Version 6.5.2 -- 6 December 2019)
\t+ Breadth-First Search
Full statespace search for:
State-vector 108 byte, depth reached 46, errors: 1
    71361 states, stored
"""


class ParsePanTest(unittest.TestCase):
    def test_complete(self):
        s = model.parse_pan(COMPLETE)
        self.assertEqual((s.errors, s.states, s.depth, s.too_small), (0, 347944, 163, False))

    def test_depth_limit(self):
        self.assertTrue(model.parse_pan(CUT_SHORT).too_small)

    def test_violation(self):
        s = model.parse_pan(VIOLATION)
        self.assertEqual((s.errors, s.states), (1, 71361))

    def test_garbage(self):
        s = model.parse_pan("pan: cannot open\n")
        self.assertIsNone(s.errors)


class JudgeTest(unittest.TestCase):
    def test_pass_needs_zero_errors_and_a_complete_search(self):
        self.assertTrue(model.judge("pass", model.parse_pan(COMPLETE))[0])
        self.assertFalse(model.judge("pass", model.parse_pan(VIOLATION))[0])
        ok, why = model.judge("pass", model.parse_pan(CUT_SHORT))
        self.assertFalse(ok)
        self.assertIn("depth too small", why)

    def test_fail_needs_an_error(self):
        self.assertTrue(model.judge("fail", model.parse_pan(VIOLATION))[0])
        ok, why = model.judge("fail", model.parse_pan(COMPLETE))
        self.assertFalse(ok)
        self.assertIn("cannot see", why)

    def test_no_output_is_a_failure(self):
        for expect in ("pass", "fail"):
            self.assertFalse(model.judge(expect, model.parse_pan(""))[0])

    def test_bitstate_is_not_exhaustive(self):
        text = COMPLETE.replace("Full statespace", "Bit statespace")
        self.assertFalse(model.judge("pass", model.parse_pan(text))[0])


class VariantsTest(unittest.TestCase):
    def parse(self, text):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "variants.txt"
            path.write_text(text)
            return model.parse_variants(path)

    def test_lines(self):
        good, bad = self.parse("# comment\n\ncorrect pass\n"
                               "v7 fail -DV7_ORDER -DNSEND=1  # why\n")
        self.assertEqual(bad, [])
        self.assertEqual([(v.name, v.expect, v.flags) for v in good],
                         [("correct", "pass", []), ("v7", "fail", ["-DV7_ORDER", "-DNSEND=1"])])

    def test_bad_lines(self):
        good, bad = self.parse("a maybe\nb pass -O0\nc pass\nc fail\nD pass\nlonely\n")
        self.assertEqual([v.name for v in good], ["c"])
        self.assertEqual(len(bad), 5)
        self.assertTrue(all(not r.ok and r.reason for r in bad))

    def test_the_real_list(self):
        path = Path(__file__).resolve().parents[1] / "model" / "variants.txt"
        good, bad = model.parse_variants(path)
        self.assertEqual(bad, [])
        expects = {v.name: v.expect for v in good}
        self.assertEqual(expects.get("correct"), "pass")
        # Every property keeps a negative control.
        self.assertGreaterEqual(sum(e == "fail" for e in expects.values()), 5)


if __name__ == "__main__":
    unittest.main()
