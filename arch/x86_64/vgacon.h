#pragma once
/* Console on the BIOS VGA text screen (colour mode, CRTC at 0x3d4). */
#include <stdbool.h>
#include <stdint.h>

/*
 * Clear the cols x rows screen at text (mapped) and register the console.
 * Returns false, touching nothing, for an empty or oversized screen.
 */
bool vgacon_init(volatile uint16_t *text, unsigned cols, unsigned rows);
