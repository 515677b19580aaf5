#pragma once
/* COM1, a 16550 UART: the console every test reads. */
#include <stdbool.h>
#include <stdint.h>

/* Probe and program COM1 (115200 8N1); false if there is no UART. */
bool serial_init(void);
bool serial_present(void);
/* Wait until everything written has left the UART (before power-off). */
void serial_drain(void);

/* Receive through an interrupt (routed by the caller) into a small buffer. */
void serial_enable_rx_irq(uint8_t vector);
/* The next received byte, or -1. */
int serial_getc(void);
/* Is a received byte waiting? */
bool serial_rx_pending(void);
/* Loopback mode (what is sent is received), for the tests. */
void serial_set_loopback(bool on);
void serial_put_raw(uint8_t c);
extern uint64_t serial_rx_bytes, serial_rx_dropped, serial_irqs;
