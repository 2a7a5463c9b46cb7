/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Text for libstun's error values and the RFC reason phrases of STUN
 * error codes (RFC 8489 14.8, RFC 8656 19, RFC 6062 6.3, RFC 8445 7.3).
 */
#include <stddef.h>

#include "stun.h"

const char *
stun_strerror(int err)
{
	static const char *msgs[] = {
		"success",
		"truncated",
		"not a STUN message",
		"bad message length",
		"malformed attribute",
		"attribute after FINGERPRINT",
		"too many attributes",
		"no space in output buffer",
		"attribute not found",
		"FINGERPRINT mismatch",
		"message integrity check failed",
		"invalid argument",
		"cryptographic operation failed",
		"no random bytes available",
		"unknown address family",
		"bad padding",
		"invalid string",
		"stale nonce",
		"incomplete frame",
		"frame too large",
		"call out of order",
		"transaction timed out",
	};

	if (err > 0 || (size_t)-err >= sizeof(msgs) / sizeof(msgs[0]))
		return ("unknown error");
	return (msgs[-err]);
}

const char *
stun_reason_phrase(int code)
{
	static const struct {
		int		 code;
		const char	*text;
	} phrases[] = {
		{ 300, "Try Alternate" },
		{ 400, "Bad Request" },
		{ 401, "Unauthenticated" },
		{ 403, "Forbidden" },
		{ 405, "Mobility Forbidden" },
		{ 420, "Unknown Attribute" },
		{ 437, "Allocation Mismatch" },
		{ 438, "Stale Nonce" },
		{ 440, "Address Family not Supported" },
		{ 441, "Wrong Credentials" },
		{ 442, "Unsupported Transport Protocol" },
		{ 443, "Peer Address Family Mismatch" },
		{ 446, "Connection Already Exists" },
		{ 447, "Connection Timeout or Failure" },
		{ 486, "Allocation Quota Reached" },
		{ 487, "Role Conflict" },
		{ 500, "Server Error" },
		{ 508, "Insufficient Capacity" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (phrases[i].code == code)
			return (phrases[i].text);
	return ("");
}
