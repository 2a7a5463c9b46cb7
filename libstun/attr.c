/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The attribute table.  Lengths are what a receiver accepts: strings are
 * parsed up to 763 bytes (RFC 8489 14), addresses are 8 (IPv4) or 20
 * (IPv6) bytes, MESSAGE-INTEGRITY-SHA256 may be truncated to 16 bytes.
 */
#include <stddef.h>

#include "stun.h"
#include "attr.h"

#define A(t, k, ...) { STUN_ATTR_##t, STUN_AK_##k, __VA_ARGS__ }
#define ADDRLEN	8, 20
#define STRLEN	0, STUN_MAX_STRING_PARSE
#define ANYLEN	0, 65535

static const struct stun_attr_info stun_attrs[] = {
	A(MAPPED_ADDRESS, ADDR, ADDRLEN, "MAPPED-ADDRESS"),
	A(RESPONSE_ADDRESS, ADDR, ADDRLEN, "RESPONSE-ADDRESS"),
	A(CHANGE_REQUEST, U32, 4, 4, "CHANGE-REQUEST"),
	A(SOURCE_ADDRESS, ADDR, ADDRLEN, "SOURCE-ADDRESS"),
	A(CHANGED_ADDRESS, ADDR, ADDRLEN, "CHANGED-ADDRESS"),
	A(USERNAME, STRING, STRLEN, "USERNAME"),
	A(PASSWORD, BYTES, ANYLEN, "PASSWORD"),
	A(MESSAGE_INTEGRITY, MAC, 20, 20, "MESSAGE-INTEGRITY"),
	A(ERROR_CODE, ERROR, 4, 4 + STUN_MAX_REASON, "ERROR-CODE"),
	A(UNKNOWN_ATTRIBUTES, LIST16, ANYLEN, "UNKNOWN-ATTRIBUTES"),
	A(REFLECTED_FROM, ADDR, ADDRLEN, "REFLECTED-FROM"),
	A(CHANNEL_NUMBER, SMALL, 4, 4, "CHANNEL-NUMBER"),
	A(LIFETIME, U32, 4, 4, "LIFETIME"),
	A(XOR_PEER_ADDRESS, XADDR, ADDRLEN, "XOR-PEER-ADDRESS"),
	A(DATA, BYTES, ANYLEN, "DATA"),
	A(REALM, STRING, STRLEN, "REALM"),
	A(NONCE, STRING, STRLEN, "NONCE"),
	A(XOR_RELAYED_ADDRESS, XADDR, ADDRLEN, "XOR-RELAYED-ADDRESS"),
	A(REQUESTED_ADDRESS_FAMILY, SMALL, 4, 4, "REQUESTED-ADDRESS-FAMILY"),
	A(EVEN_PORT, SMALL, 1, 1, "EVEN-PORT"),
	A(REQUESTED_TRANSPORT, SMALL, 4, 4, "REQUESTED-TRANSPORT"),
	A(DONT_FRAGMENT, EMPTY, 0, 0, "DONT-FRAGMENT"),
	A(MESSAGE_INTEGRITY_SHA256, MAC, 16, 32, "MESSAGE-INTEGRITY-SHA256"),
	A(PASSWORD_ALGORITHM, PWALG, 4, 4 + 255, "PASSWORD-ALGORITHM"),
	A(USERHASH, BYTES, 32, 32, "USERHASH"),
	A(XOR_MAPPED_ADDRESS, XADDR, ADDRLEN, "XOR-MAPPED-ADDRESS"),
	A(RESERVATION_TOKEN, U64, 8, 8, "RESERVATION-TOKEN"),
	A(PRIORITY, U32, 4, 4, "PRIORITY"),
	A(USE_CANDIDATE, EMPTY, 0, 0, "USE-CANDIDATE"),
	A(PADDING, BYTES, ANYLEN, "PADDING"),
	A(RESPONSE_PORT, SMALL, 4, 4, "RESPONSE-PORT"),
	A(ADDITIONAL_ADDRESS_FAMILY, SMALL, 4, 4,
	    "ADDITIONAL-ADDRESS-FAMILY"),
	A(ADDRESS_ERROR_CODE, ERROR, 4, 4 + STUN_MAX_REASON,
	    "ADDRESS-ERROR-CODE"),
	A(PASSWORD_ALGORITHMS, PWALG, ANYLEN, "PASSWORD-ALGORITHMS"),
	A(ALTERNATE_DOMAIN, STRING, 1, 255, "ALTERNATE-DOMAIN"),
	A(ICMP, SMALL, 8, 8, "ICMP"),
	A(SOFTWARE, STRING, STRLEN, "SOFTWARE"),
	A(ALTERNATE_SERVER, ADDR, ADDRLEN, "ALTERNATE-SERVER"),
	A(CACHE_TIMEOUT, U32, 4, 4, "CACHE-TIMEOUT"),
	A(FINGERPRINT, MAC, 4, 4, "FINGERPRINT"),
	A(ICE_CONTROLLED, U64, 8, 8, "ICE-CONTROLLED"),
	A(ICE_CONTROLLING, U64, 8, 8, "ICE-CONTROLLING"),
	A(RESPONSE_ORIGIN, ADDR, ADDRLEN, "RESPONSE-ORIGIN"),
	A(OTHER_ADDRESS, ADDR, ADDRLEN, "OTHER-ADDRESS"),
};

/* The table is sorted by type: binary search. */
const struct stun_attr_info *
stun_attr_info(uint16_t type)
{
	size_t	 lo = 0, hi = sizeof(stun_attrs) / sizeof(stun_attrs[0]);
	size_t	 mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (stun_attrs[mid].type == type)
			return (&stun_attrs[mid]);
		if (stun_attrs[mid].type < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

const char *
stun_attr_name(uint16_t type)
{
	const struct stun_attr_info	*ai;

	if ((ai = stun_attr_info(type)) == NULL)
		return (STUN_ATTR_IS_REQUIRED(type) ?
		    "unknown (comprehension-required)" : "unknown");
	return (ai->name);
}
