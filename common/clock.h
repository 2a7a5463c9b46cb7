/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The programs' one monotonic clock, in milliseconds, as OpenNTPD's
 * getmonotime(): every timer and every "now" handed to a libstun machine
 * comes from here.
 */
#ifndef COMMON_CLOCK_H
#define COMMON_CLOCK_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC (never goes back, not wall time). */
uint64_t	clock_ms(void);
/* The same clock in microseconds, for round-trip times below 1 ms. */
uint64_t	clock_us(void);

#endif
