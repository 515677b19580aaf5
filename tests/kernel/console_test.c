/*
 * ktest suite "console": console input from the PS/2 keyboard and COM1.
 *
 * Keys are typed with the i8042's command 0xd2, which hands a byte back
 * to the CPU as if the keyboard had sent it, IRQ 1 included: each byte
 * travels controller -> I/O APIC -> the boot CPU's handler -> decoder ->
 * buffer -> console_getc(). The suite runs on the boot CPU, where both
 * input interrupts go. Machines without a controller run only the last
 * case (the matrix boots one: QEMU's i8042=off).
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/ps2kbd.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/timer.h"
#include "arch/x86_64/tsc.h"
#include "kernel/console.h"
#include "kernel/ktest.h"
#include "kernel/string.h"
#include "smp/percpu.h"
#include "smp/smp.h"
#include "smp/worker.h"

#define WAIT_MS   1000

static uint64_t bytes_taken(void)
{
	struct ps2kbd_stats st;

	ps2kbd_get_stats(&st);
	return st.bytes;
}

/* Type bytes one at a time, each once the interrupt handler has read the
 * last (a real controller holds one byte). false if one was not taken. */
static bool type(const uint8_t *codes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t before = bytes_taken(), end = rdtsc() + WAIT_MS * tsc_khz;
		if (!ps2kbd_inject(codes[i]))
			return false;
		while (bytes_taken() == before && rdtsc() < end)
			cpu_relax();
		if (bytes_taken() == before)
			return false;
	}
	return true;
}

/* Read what is waiting into buf (NUL-terminated); the count. */
static size_t read_all(char *buf, size_t size)
{
	size_t n = 0;
	int c;

	while (n + 1 < size && (c = console_getc()) >= 0)
		buf[n++] = (char)c;
	buf[n] = 0;
	return n;
}

static void drain(void)
{
	while (console_getc() >= 0)
		;
}

static void keys_decode_through_irq(struct ktest *t)
{
	/* Set 1 make codes; a release is the make code | 0x80. */
	static const uint8_t codes[] = {
		0x1e, 0x9e,                     /* a */
		0x2a, 0x1e, 0x9e, 0xaa,         /* Shift a: A */
		0x3a, 0xba,                     /* Caps Lock on */
		0x30, 0xb0,                     /* b: B */
		0x36, 0x30, 0xb0, 0xb6,         /* right Shift b under Caps: b */
		0x02, 0x82,                     /* 1: Caps leaves digits alone */
		0x3a, 0xba,                     /* Caps Lock off */
		0x2a, 0x02, 0x82, 0xaa,         /* Shift 1: ! */
		0x1d, 0x2e, 0xae, 0x9d,         /* Ctrl c: 0x03 */
		0x0e, 0x8e,                     /* Backspace: DEL */
		0x1c, 0x9c,                     /* Enter: CR */
		0x0f, 0x8f, 0x01, 0x81,         /* Tab, Escape */
		0x35, 0xb5,                     /* / */
		0x9e, 0xb0,                     /* releases alone: nothing */
		0xe0, 0x48, 0xe0, 0xc8,         /* arrow up: nothing */
		0xe0, 0x1c, 0xe0, 0x9c,         /* keypad Enter: CR */
		0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5, /* Pause: nothing */
		0x39, 0xb9,                     /* space */
	};
	static const char want[] = "aABb1!\x03\x7f\r\t\x1b/\r ";
	struct ps2kbd_stats before, after;
	char got[64];

	if (!ps2kbd_present())
		KT_SKIP(t, "no i8042 controller");
	drain();
	ps2kbd_get_stats(&before);
	KT_ASSERT(t, type(codes, sizeof(codes)));
	size_t n = read_all(got, sizeof(got));
	ps2kbd_get_stats(&after);

	KT_EXPECT_EQ(t, n, sizeof(want) - 1);
	for (size_t i = 0; i < n && i < sizeof(want) - 1; i++)
		if (got[i] != want[i])
			ktest_fail_at(t, __FILE__, __LINE__, "character %zu: %#x, expected %#x",
				      i, (unsigned char)got[i], (unsigned char)want[i]);
	KT_EXPECT_EQ(t, after.bytes - before.bytes, sizeof(codes));
	KT_EXPECT_EQ(t, after.chars - before.chars, sizeof(want) - 1);
	KT_EXPECT_EQ(t, after.dropped, before.dropped);
	KT_EXPECT(t, after.irqs > before.irqs);
}

/* A full buffer drops what comes next, and counts it. */
static void full_buffer_drops(struct ktest *t)
{
	static const uint8_t key_x[] = { 0x2d, 0xad };
	struct ps2kbd_stats before, after;
	unsigned got = 0;
	int c;

	if (!ps2kbd_present())
		KT_SKIP(t, "no i8042 controller");
	drain();
	ps2kbd_get_stats(&before);
	for (unsigned i = 0; i < PS2KBD_BUFFER + 5; i++)
		KT_ASSERT(t, type(key_x, sizeof(key_x)));
	while ((c = console_getc()) >= 0)
		got += c == 'x';
	ps2kbd_get_stats(&after);
	KT_EXPECT_EQ(t, got, PS2KBD_BUFFER);
	KT_EXPECT_EQ(t, after.dropped - before.dropped, 5);
	KT_EXPECT_EQ(t, after.chars - before.chars, PS2KBD_BUFFER + 5);
}

/* COM1 in loopback mode (what it sends, it receives), one byte. */
static bool serial_receive_own(uint8_t c)
{
	uint64_t end = rdtsc() + WAIT_MS * tsc_khz;

	/* Nothing of the log may still be leaving: it would loop back too. */
	serial_drain();
	serial_set_loopback(true);
	serial_put_raw(c);
	while (!serial_rx_pending() && rdtsc() < end)
		cpu_relax();
	serial_set_loopback(false);
	return serial_rx_pending();
}

static void serial_comes_first(struct ktest *t)
{
	static const uint8_t key_k[] = { 0x25, 0xa5 };

	if (!ps2kbd_present())
		KT_SKIP(t, "no i8042 controller");
	if (!serial_present())
		KT_SKIP(t, "no serial port");
	drain();
	KT_ASSERT(t, type(key_k, sizeof(key_k)));
	KT_ASSERT(t, serial_receive_own('s'));
	KT_EXPECT(t, console_input_pending());
	KT_EXPECT_EQ(t, console_getc(), 's');
	KT_EXPECT_EQ(t, console_getc(), 'k');
	KT_EXPECT_EQ(t, console_getc(), -1);
	KT_EXPECT(t, !console_input_pending());
}

static void type_k_later(void *arg)
{
	static const uint8_t key_k[] = { 0x25, 0xa5 };

	udelay(20000);
	*(bool *)arg = type(key_k, sizeof(key_k));
}

/*
 * console_wait_input() halts until an interrupt instead of spinning: a
 * key typed 20 ms later by another CPU wakes the boot CPU, within a few
 * calls. A 10 Hz tick stands guard so that a lost key cannot hang the
 * test; a wait that spun would use up its calls long before the key came.
 */
static void wait_wakes_on_key(struct ktest *t)
{
	struct smp_work w = { .fn = type_k_later };
	bool typed = false;
	unsigned calls = 0;
	int c;

	if (!ps2kbd_present())
		KT_SKIP(t, "no i8042 controller");
	if (smp_online_count() < 2)
		KT_SKIP(t, "needs a second CPU to type");
	drain();
	w.arg = &typed;
	timer_periodic_hz(10);
	KT_ASSERT(t, smp_work_post(1, &w));
	while ((c = console_getc()) < 0 && calls < 50) {
		console_wait_input();
		calls++;
	}
	timer_stop();
	smp_work_wait(&w);
	ktest_log("key arrived after %u waits", calls);
	KT_EXPECT(t, typed);
	KT_EXPECT_EQ(t, c, 'k');
}

/* Without a controller: nothing is touched, nothing arrives, nothing hangs. */
static void absent_controller(struct ktest *t)
{
	struct ps2kbd_stats st;

	if (ps2kbd_present())
		KT_SKIP(t, "this machine has an i8042");
	ps2kbd_get_stats(&st);
	KT_EXPECT_EQ(t, st.irqs + st.bytes + st.chars, 0);
	KT_EXPECT(t, !ps2kbd_inject(0x1e));
	KT_EXPECT(t, !ps2kbd_pending());
	KT_EXPECT_EQ(t, ps2kbd_getc(), -1);
	drain();
	KT_EXPECT_EQ(t, console_getc(), -1);
}

static const struct ktest_case console_cases[] = {
	{ "keys_decode_through_irq", keys_decode_through_irq },
	{ "full_buffer_drops", full_buffer_drops },
	{ "serial_comes_first", serial_comes_first },
	{ "wait_wakes_on_key", wait_wakes_on_key },
	{ "absent_controller", absent_controller },
};
KTEST_SUITE(console_suite, "console", console_cases);
