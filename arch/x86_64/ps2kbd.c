/*
 * The i8042 keyboard controller and the keyboard on its first port
 * (arch/x86_64/ps2kbd.h).
 *
 * The controller has two one-byte buffers behind two ports: what the CPU
 * writes (a command to 0x64, its argument or a byte for the keyboard to
 * 0x60) waits in the input buffer until the controller takes it, status
 * bit 1; what the controller or the keyboard sends waits at 0x60 until
 * the CPU reads it, status bit 0. Every exchange below waits for one of
 * those bits, for a bounded time.
 */
#include "arch/x86_64/ps2kbd.h"
#include "arch/x86_64/acpi_boot.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/scancode.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"
#include "kernel/printk.h"

#define I8042_DATA     0x60
#define I8042_STATUS   0x64     /* read */
#define I8042_COMMAND  0x64     /* write */

#define ST_OUTPUT_FULL 0x01     /* a byte waits at 0x60 */
#define ST_INPUT_FULL  0x02     /* the last byte written is not taken yet */
#define ST_AUX_DATA    0x20     /* the waiting byte is from the second port */

#define CMD_READ_CONFIG  0x20
#define CMD_WRITE_CONFIG 0x60
#define CMD_DISABLE_AUX  0xa7
#define CMD_SELF_TEST    0xaa
#define CMD_TEST_KBD     0xab
#define CMD_DISABLE_KBD  0xad
#define CMD_ENABLE_KBD   0xae
#define CMD_WRITE_KBD_OUTPUT 0xd2   /* the next byte comes back as if from the keyboard */

#define CFG_KBD_IRQ       0x01
#define CFG_AUX_IRQ       0x02
#define CFG_KBD_CLOCK_OFF 0x10      /* the first port is disabled */
#define CFG_AUX_CLOCK_OFF 0x20
#define CFG_TRANSLATE     0x40      /* set 2 from the keyboard becomes set 1 */

#define SELF_TEST_OK  0x55
#define PORT_TEST_OK  0x00

#define KBD_ENABLE    0xf4          /* start sending scancodes */
#define KBD_RESET     0xff          /* defaults (set 2), then a self-test */
#define KBD_ACK       0xfa
#define KBD_RESEND    0xfe
#define KBD_RESET_OK  0xaa

#define POLL_US       10
#define CMD_MS        20            /* a controller answers in microseconds */
#define KBD_MS        100           /* a keyboard acknowledges a command */
#define KBD_RESET_MS  1000          /* its self-test takes up to ~500 ms */
#define IRQ_MAX_BYTES 16            /* per interrupt, so a stuck status cannot hold the CPU */

static bool present;
/* The configuration byte last written; only ps2kbd_init and ps2kbd_enable_irq
 * change it, at boot, on the boot CPU. */
static uint8_t config;

/*
 * Decoded characters. Single producer, single consumer: the interrupt
 * handler (on the one CPU IRQ 1 is routed to) is the only writer of
 * ring_head and of the slots, ps2kbd_getc() (one caller at a time) the
 * only writer of ring_tail. The producer's RELEASE store of ring_head
 * publishes the slot it filled, and pairs with the ACQUIRE load in
 * ps2kbd_getc(); the consumer's RELEASE store of ring_tail says it is done
 * reading a slot, and pairs with the ACQUIRE load in ring_put(), so a slot
 * is never refilled while it is still being read. On the boot CPU alone an
 * interrupt is already ordered with the code it interrupts; the pairs make
 * it correct for a consumer on another CPU too.
 */
#define RING_SIZE PS2KBD_BUFFER     /* a power of two: indices wrap freely */
_Static_assert((RING_SIZE & (RING_SIZE - 1)) == 0, "the ring's size must be a power of two");
static char ring[RING_SIZE];
static unsigned ring_head, ring_tail;

/* Owned by the interrupt handler, like the ring's producer side. */
static struct scancode_state decoder;
/* Written by the interrupt handler only; read anywhere (RELAXED: counts). */
static struct ps2kbd_stats stats;

static void count(uint64_t *counter)
{
	__atomic_store_n(counter, *counter + 1, __ATOMIC_RELAXED);
}

/* Wait up to ms for the status bits in mask to read as want. */
static bool wait_status(uint8_t mask, uint8_t want, unsigned ms)
{
	for (unsigned i = 0; i < ms * 1000 / POLL_US; i++) {
		if ((inb(I8042_STATUS) & mask) == want)
			return true;
		udelay(POLL_US);
	}
	return false;
}

static bool send_command(uint8_t cmd)
{
	if (!wait_status(ST_INPUT_FULL, 0, CMD_MS))
		return false;
	outb(I8042_COMMAND, cmd);
	return true;
}

static bool send_data(uint8_t byte)
{
	if (!wait_status(ST_INPUT_FULL, 0, CMD_MS))
		return false;
	outb(I8042_DATA, byte);
	return true;
}

/* The next byte from the controller or the keyboard, or -1 after ms. */
static int receive(unsigned ms)
{
	if (!wait_status(ST_OUTPUT_FULL, ST_OUTPUT_FULL, ms))
		return -1;
	return inb(I8042_DATA);
}

/* Throw away whatever waits at 0x60 (the keyboard may still be sending). */
static void flush_output(void)
{
	for (int i = 0; i < 32 && (inb(I8042_STATUS) & ST_OUTPUT_FULL); i++) {
		inb(I8042_DATA);
		udelay(POLL_US);
	}
}

static bool write_config(void)
{
	return send_command(CMD_WRITE_CONFIG) && send_data(config);
}

/* A command with a one-byte answer: the answer, or -1. */
static int ask(uint8_t cmd)
{
	return send_command(cmd) ? receive(CMD_MS) : -1;
}

/* Why lull should not touch ports 0x60 and 0x64, or NULL. */
static const char *absent_reason(void)
{
	if (acpi_ok && acpi.boot_arch_valid && !(acpi.boot_arch & ACPI_BOOT_8042))
		return "the ACPI FADT says there is none";
	/* Nothing decodes the port: the bus reads all ones. */
	if (inb(I8042_STATUS) == 0xff)
		return "port 0x64 reads 0xff";
	return 0;
}

static bool setup_failed(const char *what, int answer)
{
	pr_warn("ps2kbd: the i8042 %s (answer %d); not used\n", what, answer);
	return false;
}

/* Both ports off, interrupts off, translation on, then the self-tests. */
static bool controller_setup(void)
{
	int r;

	if (!send_command(CMD_DISABLE_KBD) || !send_command(CMD_DISABLE_AUX))
		return setup_failed("does not take commands", -1);
	flush_output();
	r = ask(CMD_READ_CONFIG);
	if (r < 0)
		return setup_failed("gives no configuration byte", r);
	config = ((uint8_t)r & ~(CFG_KBD_IRQ | CFG_AUX_IRQ)) | CFG_TRANSLATE |
		 CFG_KBD_CLOCK_OFF | CFG_AUX_CLOCK_OFF;
	if (!write_config())
		return setup_failed("does not take its configuration", -1);
	r = ask(CMD_SELF_TEST);
	if (r != SELF_TEST_OK)
		return setup_failed("failed its self-test", r);
	/* Some controllers reset themselves in the self-test: write it again. */
	if (!write_config())
		return setup_failed("does not take its configuration", -1);
	r = ask(CMD_TEST_KBD);
	if (r != PORT_TEST_OK)
		return setup_failed("failed the test of its first port", r);
	if (!send_command(CMD_ENABLE_KBD))
		return setup_failed("does not enable its first port", -1);
	config &= ~CFG_KBD_CLOCK_OFF;
	return true;
}

/* Send the keyboard a command; true once it acknowledged it. */
static bool keyboard_command(uint8_t cmd)
{
	for (int tries = 0; tries < 3; tries++) {
		if (!send_data(cmd))
			return false;
		int r = receive(KBD_MS);
		if (r == KBD_ACK)
			return true;
		if (r != KBD_RESEND)
			return false;
	}
	return false;
}

/* Reset the keyboard (scancode set 2, translated to 1) and let it send. */
static bool keyboard_setup(void)
{
	if (!keyboard_command(KBD_RESET) || receive(KBD_RESET_MS) != KBD_RESET_OK)
		return false;
	return keyboard_command(KBD_ENABLE);
}

bool ps2kbd_init(void)
{
	const char *why = absent_reason();

	if (why) {
		pr_info("ps2kbd: no i8042 controller (%s)\n", why);
		return false;
	}
	if (!controller_setup())
		return false;
	bool keyboard = keyboard_setup();
	flush_output();
	present = true;
	pr_info("ps2kbd: i8042 ready%s; %s\n",
		acpi_ok && acpi.boot_arch_valid ? " (listed in the ACPI FADT)" : "",
		keyboard ? "keyboard reset, scancode set 1" : "no keyboard answers on its first port");
	return true;
}

bool ps2kbd_present(void)
{
	return present;
}

static void ring_put(char c)
{
	unsigned head = ring_head;   /* only this side writes it */

	count(&stats.chars);
	if (head - __atomic_load_n(&ring_tail, __ATOMIC_ACQUIRE) == RING_SIZE) {
		count(&stats.dropped);
		return;
	}
	ring[head % RING_SIZE] = c;
	__atomic_store_n(&ring_head, head + 1, __ATOMIC_RELEASE);
}

static void ps2kbd_irq(struct trap_frame *f)
{
	count(&stats.irqs);
	for (int i = 0; i < IRQ_MAX_BYTES; i++) {
		uint8_t status = inb(I8042_STATUS);
		if (!(status & ST_OUTPUT_FULL))
			break;
		uint8_t byte = inb(I8042_DATA);
		if (status & ST_AUX_DATA) {
			count(&stats.aux_bytes);
			continue;
		}
		count(&stats.bytes);
		int c = scancode_feed(&decoder, byte);
		if (c >= 0)
			ring_put((char)c);
	}
}

void ps2kbd_enable_irq(uint8_t vector)
{
	if (!present)
		return;
	irq_register(vector, ps2kbd_irq);
	config |= CFG_KBD_IRQ;
	if (!write_config())
		pr_warn("ps2kbd: the i8042 did not take its configuration; no keyboard input\n");
}

int ps2kbd_getc(void)
{
	unsigned tail = ring_tail;   /* only this side writes it */

	if (__atomic_load_n(&ring_head, __ATOMIC_ACQUIRE) == tail)
		return -1;
	int c = (unsigned char)ring[tail % RING_SIZE];
	__atomic_store_n(&ring_tail, tail + 1, __ATOMIC_RELEASE);
	return c;
}

bool ps2kbd_pending(void)
{
	return __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE) !=
	       __atomic_load_n(&ring_tail, __ATOMIC_RELAXED);
}

bool ps2kbd_inject(uint8_t byte)
{
	return present && send_command(CMD_WRITE_KBD_OUTPUT) && send_data(byte);
}

void ps2kbd_get_stats(struct ps2kbd_stats *st)
{
	st->irqs = __atomic_load_n(&stats.irqs, __ATOMIC_RELAXED);
	st->bytes = __atomic_load_n(&stats.bytes, __ATOMIC_RELAXED);
	st->chars = __atomic_load_n(&stats.chars, __ATOMIC_RELAXED);
	st->dropped = __atomic_load_n(&stats.dropped, __ATOMIC_RELAXED);
	st->aux_bytes = __atomic_load_n(&stats.aux_bytes, __ATOMIC_RELAXED);
}
