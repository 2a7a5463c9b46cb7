/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Small helpers shared by the codec suites.
 */
#ifndef TESTS_TESTUTIL_H
#define TESTS_TESTUTIL_H

#include <stdint.h>
#include <string.h>

#include <libstun/stun.h>

static const uint8_t test_tid[STUN_TID_LEN] = {
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae
};

/* An address from text, for tests that know their input is good. */
static inline struct stun_addr
test_addr(const char *s)
{
	struct stun_addr a;

	memset(&a, 0, sizeof(a));
	(void)stun_addr_parse(s, 0, &a);
	return (a);
}

#endif
