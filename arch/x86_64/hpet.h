#pragma once
/* The HPET's main counter: a fixed-frequency clock to calibrate against. */
#include <stdbool.h>
#include <stdint.h>

/* Map and start the HPET at phys; false if it is absent or unusable. */
bool hpet_init(uint64_t phys);
bool hpet_present(void);
uint64_t hpet_read(void);
/* Counter ticks per millisecond. */
uint64_t hpet_ticks_per_ms(void);
