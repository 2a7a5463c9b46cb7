/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Fuzz target for the message decoder: decode arbitrary bytes, then run
 * every getter, the integrity and fingerprint checks, and a second decode,
 * asserting the invariants in invariants.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/invariants.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_check_decode(data, size);
	return (0);
}
