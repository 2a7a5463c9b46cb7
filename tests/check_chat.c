/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Unit tests for the chat core (crypto, reliable delivery, peers and room,
 * TURN relay, ending): runs every suite that is linked in.
 */
#include <stdio.h>
#include <stdlib.h>

#include "chat_suites.h"

int
main(void)
{
	SRunner	*sr;
	int	 failed, nsuites = 0;

	sr = srunner_create(NULL);
#define SUITE_ADD(name)							\
	if (suite_chat_##name != NULL) {				\
		srunner_add_suite(sr, suite_chat_##name());		\
		nsuites++;						\
	}
	CHAT_SUITE_LIST(SUITE_ADD)
#undef SUITE_ADD
	if (nsuites == 0) {
		fprintf(stderr, "check_chat: no suites linked\n");
		srunner_free(sr);
		return (1);
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
