/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The suites of tests/check_chat, one per tests/chat_<module>.c.
 */
#ifndef TESTS_CHAT_SUITES_H
#define TESTS_CHAT_SUITES_H

#include <check.h>

#define CHAT_SUITE_LIST(X)	X(crypto) X(reliable) X(peer) X(relay) X(end) \
	X(ui) X(webreq) \
	X(bulk) X(file) X(hardnat) X(uri) X(tcpplan) X(udpback)

#define CHAT_SUITE_DECL(name) Suite *suite_chat_##name(void) \
	__attribute__((weak));
CHAT_SUITE_LIST(CHAT_SUITE_DECL)
#undef CHAT_SUITE_DECL

#endif
