/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Invariants shared by the fuzz targets: what must hold of any input that
 * stun_msg_decode() accepted, whatever its bytes were.
 */
#ifndef FUZZ_INVARIANTS_H
#define FUZZ_INVARIANTS_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"

/* Abort (which the fuzzer reports) when an invariant fails. */
#define FUZZ_ASSERT(e)	do {						\
	if (!(e))							\
		fuzz_fail(__FILE__, __LINE__, #e);			\
} while (0)

void	fuzz_fail(const char *, int, const char *)
	    __attribute__((noreturn));
/* Decode buf[0..len), check everything about the result; returns decode's. */
int	fuzz_check_decode(const uint8_t *buf, size_t len);
/* Every getter for type on a decoded message, outputs checked. */
void	fuzz_check_getters(const struct stun_msg *m, uint16_t type);

#endif
