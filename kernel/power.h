#pragma once
/*
 * Leaving the machine: for tests, QEMU's isa-debug-exit device turns the
 * kernel's verdict into QEMU's exit status; elsewhere the CPU halts.
 */
#include <stdbool.h>

/* QEMU exits with status (code << 1) | 1: 33 for pass, 35 for fail. */
#define QEMU_EXIT_PASS 0x10
#define QEMU_EXIT_FAIL 0x11

__attribute__((noreturn)) void power_off(bool success);

/* Restart the machine: the PCI reset register, the keyboard controller's
 * reset line, then a triple fault; whichever works first. */
__attribute__((noreturn)) void power_reboot(void);
