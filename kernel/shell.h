#pragma once
/*
 * The lull> shell (kernel/shell.c): help, cpus, stats, run, trace,
 * ptdump, reboot, poweroff. docs/bench.md shows it at work.
 */
#include <stdbool.h>

/* Read lines from the console and run them, for ever (CPU 0's idle context). */
__attribute__((noreturn)) void shell_run(void);
/* Run one command line; false if it was unknown or its arguments were bad. */
bool shell_execute(const char *line);
