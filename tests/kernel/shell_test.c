/*
 * Suite shell: every command of the lull> shell (kernel/shell.c) through
 * shell_execute(), with good arguments and bad ones. A bad command or
 * argument must give a message and false, and change nothing; `run` with
 * bad options runs with their defaults (only where CPUs are isolated, so
 * the partition stays the one the line booted with). reboot and poweroff
 * are only refused their bad arguments here; the menu lines of
 * tests/matrix.txt see the shell start.
 */
#include "kernel/ktest.h"
#include "kernel/shell.h"
#include "kernel/task.h"
#include "mm/tlb.h"
#include "smp/isolation.h"

static void known_commands_run(struct ktest *t)
{
	KT_EXPECT(t, shell_execute("help"));
	KT_EXPECT(t, shell_execute("cpus"));
	KT_EXPECT(t, shell_execute("  stats  "));
	KT_EXPECT(t, shell_execute(""));            /* an empty line is fine */
	KT_EXPECT(t, shell_execute("ptdump wx"));   /* and W^X holds */
	KT_EXPECT(t, shell_execute("ptdump user"));
	KT_EXPECT_EQ(t, task_live(), 0);
}

static void bad_input_is_refused(struct ktest *t)
{
	bool coalesce = tlb_coalesce;

	KT_EXPECT(t, !shell_execute("frobnicate"));
	KT_EXPECT(t, !shell_execute("averyveryverylongcommandnamethatisnotthere x"));
	KT_EXPECT(t, !shell_execute("cpus extra"));
	KT_EXPECT(t, !shell_execute("stats -v"));
	KT_EXPECT(t, !shell_execute("ptdump everything"));
	KT_EXPECT(t, !shell_execute("trace sideways"));
	KT_EXPECT(t, !shell_execute("reboot now"));     /* refused: no reboot */
	KT_EXPECT(t, !shell_execute("poweroff later"));
	KT_EXPECT_EQ(t, tlb_coalesce, coalesce);
}

static void run_with_bad_options_uses_defaults(struct ktest *t)
{
	struct cpumask before = housekeeping.isolated;

	if (cpumask_empty(&housekeeping.isolated))
		KT_SKIP(t, "no isolated CPUs: run would pick its own partition");
	/* Unknown experiment, flushes and threshold out of range, CPU 0:
	 * a message each, then the run with flushes from the next word. */
	KT_EXPECT(t, shell_execute("run nonsense flushes=0 threshold=0 isolate=0 flushes=30"));
	KT_EXPECT(t, cpumask_equal(&before, &housekeeping.isolated));
	KT_EXPECT(t, shell_execute("run baseline flushes=30"));
	KT_EXPECT(t, !tlb_coalesce);                /* the baseline leaves coalescing off */
	KT_EXPECT(t, shell_execute("run coalesce flushes=30"));
	KT_EXPECT(t, tlb_coalesce);                 /* the coalesce run leaves it on */
	KT_EXPECT_EQ(t, task_live(), 0);
}

static const struct ktest_case shell_cases[] = {
	{ "known_commands_run", known_commands_run },
	{ "bad_input_is_refused", bad_input_is_refused },
	{ "run_with_bad_options_uses_defaults", run_with_bad_options_uses_defaults },
};
KTEST_SUITE(shell_suite, "shell", shell_cases);
