/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Unit tests for stund's TURN allocation table and credentials
 * (tests/relay_test.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include <check.h>

Suite	*suite_relay(void);

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(suite_relay());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
