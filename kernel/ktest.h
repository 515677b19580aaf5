#pragma once
/*
 * In-kernel tests, printed as KTAP (the format Linux's KUnit prints).
 *
 * A suite is a table of cases registered with KTEST_SUITE(); the linker
 * gathers every suite into one section, so adding a test file needs no
 * list anywhere. ktest=all runs every suite except the negative controls
 * and the long ones; ktest=a,b runs those named (any kind, by name).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ktest {
	bool failed;
	const char *skip_reason;   /* set by KT_SKIP: the case counts as skipped */
};

struct ktest_case {
	const char *name;
	void (*run)(struct ktest *t);
};

struct ktest_suite {
	const char *name;
	const struct ktest_case *cases;
	size_t ncases;
	bool negative;             /* exists to fail: only run when named */
	bool long_run;             /* minutes under emulation: only run when named */
};

#define KTEST_SUITE(ident, sname, case_table, ...)                          \
	static const struct ktest_suite ident                               \
	__attribute__((used, section("ktest_suites"), aligned(8))) = {      \
		.name = sname, .cases = case_table,                         \
		.ncases = sizeof(case_table) / sizeof(case_table[0]),       \
		__VA_ARGS__                                                 \
	}

void ktest_fail_at(struct ktest *t, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define KT_EXPECT(t, cond)                                                    \
	do {                                                                  \
		if (!(cond))                                                  \
			ktest_fail_at(t, __FILE__, __LINE__, "expected %s", #cond); \
	} while (0)

#define KT_EXPECT_EQ(t, a, b)                                                 \
	do {                                                                  \
		unsigned long long _a = (unsigned long long)(a);              \
		unsigned long long _b = (unsigned long long)(b);              \
		if (_a != _b)                                                 \
			ktest_fail_at(t, __FILE__, __LINE__,                  \
				      "expected %s == %s, got %#llx and %#llx", \
				      #a, #b, _a, _b);                        \
	} while (0)

/* Stop the case here unless cond holds (later checks would be meaningless). */
#define KT_ASSERT(t, cond)                                                    \
	do {                                                                  \
		if (!(cond)) {                                                \
			ktest_fail_at(t, __FILE__, __LINE__, "required %s", #cond); \
			return;                                               \
		}                                                             \
	} while (0)

#define KT_SKIP(t, reason)                                                    \
	do {                                                                  \
		(t)->skip_reason = (reason);                                  \
		return;                                                       \
	} while (0)

/* Print a diagnostic line inside the current case ("# ..."). */
void ktest_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Call the code at addr, which is expected to fault at once (a recovery
 * point catches it): the fault's vector, or 0 if the call returned.
 */
uint64_t ktest_call_faulting(uint64_t addr);

/*
 * Frames that are free, or held by kmalloc's slabs and large allocations:
 * code that frees everything it allocated leaves this unchanged, however
 * kmalloc's slabs fill and empty meanwhile (compare kmalloc's live object
 * count alongside).
 */
uint64_t ktest_frames_free_or_kmalloc(void);

/* Run the suites named by spec ("all" or "a,b"); true if everything passed. */
bool ktest_run(const char *spec);
bool ktest_running(void);
