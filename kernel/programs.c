/*
 * Looking up the embedded user programs by name. The table is written in
 * NASM by tools/mkprogs.py; its layout is asserted here, on the C side.
 */
#include "kernel/programs.h"

#include <stddef.h>

#include "kernel/string.h"

/* Pairs with tools/mkprogs.py:emit, which writes each entry as three dq. */
_Static_assert(sizeof(struct user_program) == 24, "mkprogs.py writes 24-byte entries");
_Static_assert(offsetof(struct user_program, image) == 8, "mkprogs.py: image second");
_Static_assert(offsetof(struct user_program, size) == 16, "mkprogs.py: size third");

/* A linear search: there are a handful of programs and it runs once per start. */
const struct user_program *program_find(const char *name)
{
	for (unsigned i = 0; i < user_program_count; i++) {
		if (strcmp(user_programs[i].name, name) == 0)
			return &user_programs[i];
	}
	return NULL;
}
