/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The suites of tests/check_libstun, one per tests/libstun_<module>.c.  They
 * are weak so a suite can be added by its own file and fragment alone.
 */
#ifndef TESTS_SUITES_H
#define TESTS_SUITES_H

#include <check.h>

#define SUITE_LIST(X)							\
	X(msg) X(attr) X(addr) X(vectors) X(mutate) X(integrity)	\
	X(keys) X(nonce) X(stream) X(txn) X(server) X(nat) X(turn)	\
	X(rdv) X(punch) X(sockaddr) X(nominate)

#define SUITE_DECL(name) Suite *suite_##name(void) __attribute__((weak));
SUITE_LIST(SUITE_DECL)
#undef SUITE_DECL

#endif
