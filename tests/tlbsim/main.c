/*
 * tlbsim: run lull's protocol code on the machine model (sim.h), every
 * variant against its configurations, and print one line per variant:
 *   PASS tlbsim:<variant> (...)   or   FAIL tlbsim:<variant> (...)
 * A correct variant passes when no search finds a violation; a broken one
 * passes when a search finds the violation it names, and its story goes
 * to DIR/<variant>.txt. A failure prints the story.
 *
 *   tlbsim [--seed N] [--steps N] [--only VARIANT] [--story-dir DIR]
 *
 * --seed picks the random search's seed (default: from the clock; it is
 * printed, and the same seed replays the same runs); --steps the random
 * steps per configuration (default 300000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tests/tlbsim/sim.h"

/* Program steps, written short. */
#define BOOT       { OP_BOOT, 0 }
#define A(page)    { OP_ACCESS, page }
#define F(page)    { OP_FLUSH, page }
#define TASK       { OP_TASK, 0 }
#define RT(page)   { OP_ROUND_TRIP, page }
#define TASK_END   { OP_TASK_END, 0 }

static const struct sim_config configs[] = {
	{ "pcid+invpcid", true, true, true, true },
	{ "pcid", true, true, false, true },
	{ "nopcid", true, false, false, true },
	{ "pti=off", false, true, true, false },
};
enum { CFG_PCID_INVPCID = 1, CFG_PCID = 2, CFG_NOPCID = 4, CFG_PTI_OFF = 8, CFG_ALL = 15 };

static const struct sim_scenario scenarios[] = {
	{ "round_trips", 2, 1u << 1, 1u << 1, {
		{ BOOT, A(0), F(0), A(1), F(1), A(0) },
		{ BOOT, A(0), A(1), TASK, RT(0), RT(1),
		  TASK_END, A(0) },
	} },
	{ "two_senders", 2, 0, 0, {
		{ BOOT, A(0), F(0), A(1) },
		{ BOOT, A(1), F(1), A(0) },
	} },
	{ "three_cpus", 3, 1u << 1, (1u << 1) | (1u << 2), {
		{ BOOT, F(0), A(1), F(1), F(0), F(1), A(0) },
		{ BOOT, TASK, RT(0), RT(1), RT(0), RT(1),
		  TASK_END, A(0), TASK, RT(1), TASK_END },
		{ BOOT, A(1), F(1), A(0), TASK, RT(0),
		  TASK_END, A(1), F(0) },
	} },
};

struct variant {
	const char *name;
	enum sim_variant v;
	unsigned configs;
	enum sim_violation expect;      /* VIOL_NONE: must pass */
	const char *what;
};

static const struct variant variants[] = {
	{ "correct", VAR_CORRECT, CFG_ALL, VIOL_NONE, "the protocol as lull runs it" },
	{ "pcid0_behind_branch", VAR_PCID0_BEHIND_BRANCH, CFG_PCID_INVPCID, VIOL_PROMISE,
	  "kernel left in PCID 0 after CR4.PCIDE; the flush of PCID_KERNEL misses it" },
	{ "nopcid_bookkeeping", VAR_NOPCID_BOOKKEEPING, CFG_NOPCID, VIOL_PROMISE,
	  "catch-up records the generation without a flush, trusting the CR3 write" },
	{ "v7_order", VAR_V7_ORDER, CFG_PCID_INVPCID | CFG_NOPCID, VIOL_STALE_ACCESS,
	  "RFC v7's order: CR3, catch-up, then cr3_state := KERNEL" },
	{ "no_catch_up", VAR_NO_CATCH_UP, CFG_PCID_INVPCID, VIOL_STALE_ACCESS,
	  "entries skip the catch-up" },
};

#define PREEMPTIONS 2

static void print_story(FILE *f, const struct variant *v, const struct sim_config *c,
			const char *how)
{
	fprintf(f, "tlbsim: %s (%s), %s, scenario %s: %s\n", v->name, v->what, c->name,
		sim.sc->name, how);
	fprintf(f, "violation (%s): %s\n\nThe story, step by step (the run replayed):\n%s",
		violation_name(sim.violation), sim.why, explore_story());
}

/* Every search of one variant in one configuration; true once it failed. */
static bool search_config(const struct variant *v, const struct sim_config *c,
			  uint64_t seed, uint64_t steps, struct sim_result *total, char *how,
			  size_t how_len)
{
	struct sim_result r;

	for (unsigned s = 0; s < 2; s++) {
		explore_exhaustive(c, &scenarios[s], v->v, PREEMPTIONS, &r);
		total->runs += r.runs;
		total->steps += r.steps;
		total->bounded_out |= r.bounded_out;
		if (r.violation) {
			snprintf(how, how_len, "exhaustive search (%u preemptions), run %llu",
				 PREEMPTIONS, (unsigned long long)r.runs);
			total->violation = r.violation;
			return true;
		}
	}
	explore_random(c, &scenarios[2], v->v, seed, steps, &r);
	total->runs += r.runs;
	total->steps += r.steps;
	if (r.violation) {
		snprintf(how, how_len, "random search, seed %llu, run %llu",
			 (unsigned long long)seed, (unsigned long long)r.runs);
		total->violation = r.violation;
		return true;
	}
	return false;
}

static bool run_variant(const struct variant *v, uint64_t seed, uint64_t steps,
			const char *story_dir)
{
	struct sim_result total = { 0 };
	char how[160] = "", names[96] = "";
	const struct sim_config *hit = 0;

	for (unsigned i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		if (!(v->configs >> i & 1))
			continue;
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 names[0] ? ", " : "", configs[i].name);
		if (search_config(v, &configs[i], seed, steps, &total, how, sizeof(how))) {
			hit = &configs[i];
			break;
		}
	}
	if (v->expect == VIOL_NONE && !hit) {
		printf("PASS tlbsim:%s (%s; %llu runs, %llu steps, seed %llu%s)\n", v->name, names,
		       (unsigned long long)total.runs, (unsigned long long)total.steps,
		       (unsigned long long)seed, total.bounded_out ? "; some runs cut at the step limit" : "");
		return true;
	}
	if (v->expect == VIOL_NONE || total.violation != v->expect) {
		printf("FAIL tlbsim:%s (%s)\n", v->name,
		       !hit ? "the broken variant was not caught"
			    : v->expect == VIOL_NONE ? "violation found"
			    : "caught, but not for the violation it names");
		if (hit) {
			if (v->expect != VIOL_NONE)
				printf("expected violation: %s\n", violation_name(v->expect));
			print_story(stdout, v, hit, how);
		}
		return false;
	}
	char path[512] = "";
	if (story_dir) {
		snprintf(path, sizeof(path), "%s/%s.txt", story_dir, v->name);
		FILE *f = fopen(path, "w");
		if (f) {
			print_story(f, v, hit, how);
			fclose(f);
		} else {
			path[0] = 0;
		}
	}
	printf("PASS tlbsim:%s (caught: %s in %s, %s%s%s)\n", v->name, violation_name(v->expect),
	       hit->name, how, path[0] ? "; story in " : "", path);
	return true;
}

int main(int argc, char **argv)
{
	uint64_t seed = (uint64_t)time(0) ^ ((uint64_t)clock() << 32), steps = 300000;
	const char *only = 0, *story_dir = 0;
	unsigned failed = 0, ran = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], 0, 0);
		else if (!strcmp(argv[i], "--steps") && i + 1 < argc)
			steps = strtoull(argv[++i], 0, 0);
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--story-dir") && i + 1 < argc)
			story_dir = argv[++i];
		else {
			fprintf(stderr, "usage: %s [--seed N] [--steps N] [--only VARIANT] "
				"[--story-dir DIR]\n", argv[0]);
			return 2;
		}
	}
	if (!seed)
		seed = 1;
	printf("# tlbsim: seed %llu (replay: --seed %llu)\n", (unsigned long long)seed,
	       (unsigned long long)seed);
	for (unsigned i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		if (only && strcmp(only, variants[i].name))
			continue;
		ran++;
		failed += !run_variant(&variants[i], seed, steps, story_dir);
		fflush(stdout);
	}
	if (!ran) {
		fprintf(stderr, "tlbsim: no variant named %s\n", only);
		return 2;
	}
	return failed ? 1 : 0;
}
