#pragma once
/*
 * The PS/2 keyboard behind an i8042 controller (ports 0x60 and 0x64):
 * scancodes arrive by interrupt (ISA IRQ 1), are decoded to characters
 * (arch/x86_64/scancode.h) and wait in a small buffer for ps2kbd_getc().
 *
 * Many PCs have no i8042 any more (USB keyboards, no legacy emulation);
 * ACPI says so in the FADT, and an absent controller reads 0xff. Every
 * wait for the controller is bounded, so a missing or mute one costs a
 * message, never a hang.
 */
#include <stdbool.h>
#include <stdint.h>

/*
 * Find the controller, test it, reset the keyboard on its first port and
 * select scancode set 1 (the controller translates). Interrupts stay off
 * until ps2kbd_enable_irq(). false, with a message, when there is no
 * usable controller.
 */
bool ps2kbd_init(void);
bool ps2kbd_present(void);
/*
 * Take the keyboard's interrupt on vector (the caller routed IRQ 1 to it,
 * to one CPU: that CPU's handler is the buffer's only producer).
 */
void ps2kbd_enable_irq(uint8_t vector);

/* Characters the buffer holds; more are dropped (and counted) until read. */
#define PS2KBD_BUFFER 64

/*
 * The next character typed, or -1. One consumer at a time (the shell, or
 * a test): the buffer is single-producer, single-consumer.
 */
int ps2kbd_getc(void);
/* Is a character waiting? (for a wait loop that checks with interrupts off) */
bool ps2kbd_pending(void);

/*
 * Test hook: put byte in the controller's output buffer as if the keyboard
 * had sent it (i8042 command 0xd2), raising IRQ 1. Not translated: pass a
 * set 1 code. false if there is no controller or it did not take the byte.
 * One caller at a time (a command and its byte must not interleave).
 */
bool ps2kbd_inject(uint8_t byte);

struct ps2kbd_stats {
	uint64_t irqs;          /* keyboard interrupts taken */
	uint64_t bytes;         /* scancode bytes read from the keyboard port */
	uint64_t chars;         /* characters decoded from them */
	uint64_t dropped;       /* characters lost because the buffer was full */
	uint64_t aux_bytes;     /* bytes from the second (mouse) port, discarded */
};
/* A snapshot of the counters (each read atomically, not all at once). */
void ps2kbd_get_stats(struct ps2kbd_stats *st);
