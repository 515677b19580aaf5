"""Unit tests for tools/bench_linux.py's parsing and arithmetic, on a serial
log captured from a real 4-CPU run (no QEMU; run by make test, or:
python3 -m unittest discover -s tests/tools)."""

import gzip
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import bench_linux as bl  # noqa: E402

# The block tools/linux/init printed on Debian's 6.1.0-56-amd64, -smp 4,
# CPUs 2-3 isolated, FLUSHES=20; device interrupt rows and hist comments
# trimmed, the flags line shortened.
BLOCK = """\
@@lull-bench-linux begin
@@lull-bench-linux release
6.1.0-56-amd64
@@lull-bench-linux version
#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)
@@lull-bench-linux cmdline
console=ttyS0 nohz_full=2-3 isolcpus=nohz,domain,managed_irq,2-3 pti=on panic=1 bench_storm_cpu=0 bench_isolated=2,3 bench_flushes=20
@@lull-bench-linux online
0-3
@@lull-bench-linux nohz_full
2-3
@@lull-bench-linux isolated
2-3
@@lull-bench-linux meltdown
Not affected
@@lull-bench-linux cpu_flags
flags		: fpu de pse tsc msr pae apic sep pge cmov nx lm pni cx16 hypervisor pti fsgsbase smep smap
@@lull-bench-linux spin
110 2
111 3
@@lull-bench-linux storm
storm maps=1376 flushes=20
exit 0
@@lull-bench-linux interrupts-before
           CPU0       CPU1       CPU2       CPU3
  0:        103          0          0          0   IO-APIC   2-edge      timer
  1:          0          0          0          9   IO-APIC   1-edge      i8042
NMI:          0          0          0          0   Non-maskable interrupts
LOC:       1397        824        237        168   Local timer interrupts
SPU:          0          0          0          0   Spurious interrupts
PMI:          0          0          0          0   Performance monitoring interrupts
IWI:          0          0          5          4   IRQ work interrupts
RTR:          0          0          0          0   APIC ICR read retries
RES:         20         23          2          2   Rescheduling interrupts
CAL:        152        192        118        124   Function call interrupts
TLB:          1          1          0          0   TLB shootdowns
TRM:          0          0          0          0   Thermal event interrupts
THR:          0          0          0          0   Threshold APIC interrupts
DFR:          0          0          0          0   Deferred Error APIC interrupts
MCE:          0          0          0          0   Machine check exceptions
MCP:          1          1          1          1   Machine check polls
ERR:          0
MIS:          0
PIN:          0          0          0          0   Posted-interrupt notification event
NPI:          0          0          0          0   Nested posted-interrupt event
PIW:          0          0          0          0   Posted-interrupt wakeup event
@@lull-bench-linux kprobes-before
  kflush                                                     0               0
  flush_all                                                  0               0
  do_range                                                   0               0
  do_all                                                     0               0
@@lull-bench-linux hist-kflush-before
# trigger info: hist:keys=common_cpu:vals=hitcount:sort=hitcount:size=2048 [active]
Totals:
    Hits: 0
    Entries: 0
    Dropped: 0
@@lull-bench-linux hist-do_range-before
# trigger info: hist:keys=common_cpu:vals=hitcount:sort=hitcount:size=2048 [active]
Totals:
    Hits: 0
    Entries: 0
    Dropped: 0
@@lull-bench-linux hist-do_all-before
# trigger info: hist:keys=common_cpu:vals=hitcount:sort=hitcount:size=2048 [active]
Totals:
    Hits: 0
    Entries: 0
    Dropped: 0
@@lull-bench-linux interrupts-after
           CPU0       CPU1       CPU2       CPU3
  0:        103          0          0          0   IO-APIC   2-edge      timer
  1:          0          0          0          9   IO-APIC   1-edge      i8042
NMI:          0          0          0          0   Non-maskable interrupts
LOC:       2875       2275        237        168   Local timer interrupts
SPU:          0          0          0          0   Spurious interrupts
PMI:          0          0          0          0   Performance monitoring interrupts
IWI:          0          0          5          4   IRQ work interrupts
RTR:          0          0          0          0   APIC ICR read retries
RES:         27        122          2          2   Rescheduling interrupts
CAL:        183       1284        138        144   Function call interrupts
TLB:          1          2          0          0   TLB shootdowns
TRM:          0          0          0          0   Thermal event interrupts
THR:          0          0          0          0   Threshold APIC interrupts
DFR:          0          0          0          0   Deferred Error APIC interrupts
MCE:          0          0          0          0   Machine check exceptions
MCP:          1          1          1          1   Machine check polls
ERR:          0
MIS:          0
PIN:          0          0          0          0   Posted-interrupt notification event
NPI:          0          0          0          0   Nested posted-interrupt event
PIW:          0          0          0          0   Posted-interrupt wakeup event
@@lull-bench-linux kprobes-after
  kflush                                                    20               0
  flush_all                                                  0               0
  do_range                                                   0               0
  do_all                                                    80               0
@@lull-bench-linux hist-kflush-after
# trigger info: hist:keys=common_cpu:vals=hitcount:sort=hitcount:size=2048 [active]
{ common_cpu:          1 } hitcount:         20
Totals:
    Hits: 20
    Entries: 1
    Dropped: 0
@@lull-bench-linux hist-do_range-after
# trigger info: hist:keys=common_cpu:vals=hitcount:sort=hitcount:size=2048 [active]
Totals:
    Hits: 0
    Entries: 0
    Dropped: 0
@@lull-bench-linux hist-do_all-after
# trigger info: hist:keys=common_cpu:vals=hitcount:sort=hitcount:size=2048 [active]
{ common_cpu:          1 } hitcount:         20
{ common_cpu:          2 } hitcount:         20
{ common_cpu:          3 } hitcount:         20
{ common_cpu:          0 } hitcount:         20
Totals:
    Hits: 80
    Entries: 4
    Dropped: 0
@@lull-bench-linux end
"""

# What the kernel prints before /init runs, as the serial port gives it.
BOOT = "[    0.000000] Linux version 6.1.0-56-amd64\r\n[    1.2] Run /init as init process\r\n"

QEMU = {"machine": "pc", "accel": "tcg,thread=multi", "cpu": "max", "mem": "512M"}
CFG4 = bl.RunConfig(cpus=4, isolated=[2, 3], storm_cpu=0, flushes=20)


def log(block=BLOCK):
    return BOOT + block.replace("\n", "\r\n")


def summarize(block=BLOCK, cfg=CFG4):
    return bl.summarize(cfg, bl.parse_block(log(block)), "linux-image-6.1.0-56-amd64",
                        "6.1.192-2", QEMU)


class CpuListTest(unittest.TestCase):
    def test_parse(self):
        self.assertEqual(bl.parse_cpulist("4-7"), [4, 5, 6, 7])
        self.assertEqual(bl.parse_cpulist("2,3,5-6"), [2, 3, 5, 6])
        self.assertEqual(bl.parse_cpulist(" 7 , 1 "), [1, 7])
        self.assertEqual(bl.parse_cpulist(""), [])

    def test_parse_rejects(self):
        for bad in ("4-", "a", "7-4", "1,,2", "-3"):
            with self.assertRaises(ValueError, msg=bad):
                bl.parse_cpulist(bad)

    def test_format(self):
        self.assertEqual(bl.format_cpulist([7, 4, 5, 6, 9]), "4-7,9")
        self.assertEqual(bl.format_cpulist([3]), "3")
        self.assertEqual(bl.format_cpulist([]), "")
        self.assertEqual(bl.format_cpulist(bl.parse_cpulist("1,3-5,8")), "1,3-5,8")


class PlanTest(unittest.TestCase):
    def test_default_is_8_with_upper_half_isolated(self):
        [r] = bl.plan_runs({})
        self.assertEqual((r.cpus, r.isolated, r.storm_cpu, r.flushes), (8, [4, 5, 6, 7], 0, 20))
        cmd = r.cmdline()
        self.assertIn("nohz_full=4-7 ", cmd)
        self.assertIn("isolcpus=nohz,domain,managed_irq,4-7 ", cmd)
        self.assertIn("pti=on", cmd)
        self.assertIn("bench_isolated=4,5,6,7 ", cmd)
        self.assertIn("bench_storm_cpu=0 ", cmd)

    def test_several_counts(self):
        runs = bl.plan_runs({"CPUS": "4 8", "FLUSHES": "5"})
        self.assertEqual([(r.cpus, r.isolated, r.flushes) for r in runs],
                         [(4, [2, 3], 5), (8, [4, 5, 6, 7], 5)])

    def test_isolate_applies_to_every_count(self):
        runs = bl.plan_runs({"CPUS": "4 8", "ISOLATE": "1,3"})
        self.assertEqual([r.isolated for r in runs], [[1, 3], [1, 3]])
        self.assertEqual([r.storm_cpu for r in runs], [0, 0])

    def test_rejects(self):
        for env in ({"CPUS": "1"}, {"CPUS": "x"}, {"CPUS": " "}, {"CPUS": "65"},
                    {"FLUSHES": "0"}, {"FLUSHES": "many"},
                    {"CPUS": "4", "ISOLATE": "4"},          # no such CPU
                    {"CPUS": "4", "ISOLATE": "0-1"},        # CPU 0 must keep house
                    {"CPUS": "4", "ISOLATE": "2-"}):
            with self.assertRaises(bl.BenchError, msg=str(env)):
                bl.plan_runs(env)


class PackageTest(unittest.TestCase):
    def test_image_dependency(self):
        out = "linux-image-amd64\n  Depends: linux-image-6.1.0-56-amd64\n"
        self.assertEqual(bl.image_dependency(out), "linux-image-6.1.0-56-amd64")
        self.assertIsNone(bl.image_dependency("linux-image-amd64\n"))
        self.assertIsNone(bl.image_dependency("  Depends: linux-headers-6.1.0-56-amd64\n"))


class BlockTest(unittest.TestCase):
    def test_sections(self):
        s = bl.parse_block(log())
        self.assertEqual(s["release"], ["6.1.0-56-amd64"])
        self.assertEqual(s["storm"], ["storm maps=1376 flushes=20", "exit 0"])
        self.assertNotIn("begin", s)

    def test_no_block(self):
        with self.assertRaisesRegex(bl.BenchError, "no benchmark block"):
            bl.parse_block(BOOT + "[    2.0] Kernel panic - not syncing\n")

    def test_cut_short(self):
        with self.assertRaisesRegex(bl.BenchError, "cut short"):
            bl.parse_block(log(BLOCK.split("@@lull-bench-linux kprobes-after")[0]))

    def test_init_error(self):
        text = BOOT + ("@@lull-bench-linux error\ncannot add a kprobe on do_kernel_range_flush\n"
                       "@@lull-bench-linux end\n")
        with self.assertRaisesRegex(bl.BenchError, "cannot add a kprobe on do_kernel_range_flush"):
            bl.parse_block(text)

    def test_interrupts_keep_named_per_cpu_rows(self):
        rows, ncpu = bl.parse_interrupts(bl.parse_block(log())["interrupts-before"])
        self.assertEqual(ncpu, 4)
        self.assertEqual(rows["CAL"], [152, 192, 118, 124])
        self.assertEqual(rows["TLB"], [1, 1, 0, 0])
        self.assertNotIn("ERR", rows)       # one system-wide number
        self.assertNotIn("0", rows)         # a device interrupt
        self.assertNotIn("1", rows)

    def test_kprobe_profile_and_hist(self):
        s = bl.parse_block(log())
        self.assertEqual(bl.parse_kprobe_profile(s["kprobes-after"]),
                         {"kflush": 20, "flush_all": 0, "do_range": 0, "do_all": 80})
        self.assertEqual(bl.parse_hist(s["hist-do_all-after"]), {0: 20, 1: 20, 2: 20, 3: 20})
        self.assertEqual(bl.parse_hist(s["hist-do_all-before"]), {})


class SummaryTest(unittest.TestCase):
    def test_figures(self):
        r = summarize()
        self.assertEqual(r["calls"], {"flush_tlb_kernel_range": 20, "flush_tlb_all": 0,
                                      "do_kernel_range_flush": 0, "do_flush_tlb_all": 80})
        self.assertEqual(r["per_cpu"]["CAL"], [31, 1092, 20, 20])
        self.assertEqual(r["per_cpu"]["do_flush_tlb_all"], [20, 20, 20, 20])
        self.assertEqual(r["per_cpu"]["flush_tlb_kernel_range"], [0, 20, 0, 0])
        self.assertEqual(r["isolated_totals"], {"CAL": 40, "TLB": 0, "LOC": 0, "RES": 0,
                                                "flush_handlers": 40, "ipis": 40})
        self.assertEqual(r["ipis_to_isolated_per_flush"], 2.0)
        self.assertEqual(r["ipis_per_isolated_cpu_per_flush"], 1.0)
        self.assertEqual(r["storm"], {"maps": 1376, "flushes": 20, "exit": 0})
        self.assertEqual(r["spinners"], [{"cpu": 2, "last_cpu": 2}, {"cpu": 3, "last_cpu": 3}])
        self.assertEqual(r["kernel"]["release"], "6.1.0-56-amd64")
        self.assertTrue(r["kernel"]["cmdline"].startswith("console=ttyS0 nohz_full=2-3 "))
        self.assertEqual(r["kernel_says"]["nohz_full"], "2-3")
        self.assertTrue(r["kernel_says"]["pti"])
        self.assertFalse(r["kernel_says"]["pcid"])
        self.assertEqual(r["warnings"], [])

    def test_warnings(self):
        block = (BLOCK.replace("@@lull-bench-linux nohz_full\n2-3", "@@lull-bench-linux nohz_full\n")
                 .replace(" pti ", " ")
                 .replace("111 3", "111 1")
                 .replace("  flush_all                                                  0",
                          "  flush_all                                                  3", 1))
        w = " | ".join(summarize(block)["warnings"])
        self.assertIn("nohz_full is ''", w)
        self.assertIn("page-table isolation is off", w)
        self.assertIn("spinner for CPU 3 last ran on CPU 1", w)
        self.assertIn("-3 flush_tlb_all calls", w)   # the "before" read was changed

    def test_tick_on_isolated_cpu(self):
        block = BLOCK.replace("LOC:       2875       2275        237",
                              "LOC:       2875       2275        240")
        r = summarize(block)
        self.assertEqual(r["isolated_totals"]["LOC"], 3)
        self.assertIn("3 local timer interrupts on isolated CPUs", " ".join(r["warnings"]))

    def test_failed_storm(self):
        block = BLOCK.replace("storm maps=1376 flushes=20\nexit 0",
                              "vfree_storm: BPF_MAP_CREATE: Operation not permitted\nexit 1")
        with self.assertRaisesRegex(bl.BenchError, "Operation not permitted"):
            summarize(block)

    def test_cpu_count_mismatch(self):
        with self.assertRaisesRegex(bl.BenchError, "shows 4 CPUs, the run asked for 8"):
            summarize(cfg=bl.RunConfig(cpus=8, isolated=[4, 5, 6, 7], storm_cpu=0, flushes=20))

    def test_no_flush_no_ratio(self):
        block = BLOCK.replace("  kflush                                                    20",
                              "  kflush                                                     0")
        r = summarize(block)
        self.assertIsNone(r["ipis_to_isolated_per_flush"])
        self.assertIn("no flush_tlb_kernel_range call", " ".join(r["warnings"]))


class OutputTest(unittest.TestCase):
    def test_json_round_trips_with_lists_on_one_line(self):
        doc = {"schema": bl.SCHEMA, "runs": [summarize()]}
        text = bl.to_json(doc)
        self.assertEqual(json.loads(text), doc)
        self.assertIn('"CAL": [31, 1092, 20, 20]', text)

    def test_markdown_row(self):
        md = bl.render_markdown([summarize()])
        self.assertIn("| 4 | 2-3 | 20 | 40 (CAL 40, TLB 0) | 2.00 | 1.00 | 40 | 0 |", md)
        self.assertIn("linux-image-6.1.0-56-amd64 6.1.192-2", md)


class CpioTest(unittest.TestCase):
    def entries(self, data):
        """(name, mode, rdev major, rdev minor, data) of each newc entry."""
        out, i = [], 0
        while True:
            self.assertEqual(data[i:i + 6], b"070701")
            f = [int(data[i + 6 + 8 * k:i + 14 + 8 * k], 16) for k in range(13)]
            size, namesize = f[6], f[11]
            name = data[i + 110:i + 110 + namesize - 1].decode()
            self.assertEqual(data[i + 110 + namesize - 1], 0)
            j = i + 110 + namesize
            j += -j % 4
            out.append((name, f[1], f[9], f[10], data[j:j + size]))
            i = j + size
            i += -i % 4
            if name == "TRAILER!!!":
                self.assertEqual(i, len(data))
                return out

    def test_layout(self):
        c = bl.Cpio()
        c.dir("bin")
        c.chardev("dev/console", 5, 1)
        c.file("init", b"#!/bin/sh\n")
        c.file("bin/x", b"12345")
        got = self.entries(c.bytes())
        self.assertEqual(got, [("bin", 0o040755, 0, 0, b""),
                               ("dev/console", 0o020600, 5, 1, b""),
                               ("init", 0o100755, 0, 0, b"#!/bin/sh\n"),
                               ("bin/x", 0o100755, 0, 0, b"12345"),
                               ("TRAILER!!!", 0, 0, 0, b"")])

    def test_same_inputs_same_bytes(self):
        def one():
            c = bl.Cpio()
            c.file("init", b"abc")
            return gzip.compress(c.bytes(), mtime=0)
        self.assertEqual(one(), one())


if __name__ == "__main__":
    unittest.main()
