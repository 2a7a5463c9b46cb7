/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Transport addresses: the (XOR-)address attribute value codec, text forms,
 * canonicalisation of IPv4-in-IPv6 forms, the special-purpose ranges that
 * relay policy and NAT reports care about, and the conversions to and from
 * the socket API's struct sockaddr.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stun.h"
#include "buf.h"
#include "attr.h"

int
stun_addr_decode(struct stun_rd *r, int xor, const uint8_t *tid,
    struct stun_addr *out, uint8_t *lead)
{
	struct stun_addr a;
	uint8_t		 first, fam, mask[16];
	size_t		 i, n;

	memset(&a, 0, sizeof(a));
	if (stun_rd_u8(r, &first) != 0 || stun_rd_u8(r, &fam) != 0 ||
	    stun_rd_u16(r, &a.port) != 0)
		return (STUN_ERR_BAD_ATTR);
	if (fam == 0x01 && stun_rd_left(r) == 4) {
		a.family = STUN_AF_INET;
		n = 4;
	} else if (fam == 0x02 && stun_rd_left(r) == 16) {
		a.family = STUN_AF_INET6;
		n = 16;
	} else
		return (STUN_ERR_BAD_ATTR);
	if (stun_rd_copy(r, a.ip, n) != 0)
		return (STUN_ERR_BAD_ATTR);
	if (xor) {
		/* RFC 8489 14.2: cookie, then the transaction id. */
		mask[0] = 0x21; mask[1] = 0x12; mask[2] = 0xA4; mask[3] = 0x42;
		memcpy(mask + 4, tid, STUN_TID_LEN);
		a.port ^= (uint16_t)(STUN_MAGIC_COOKIE >> 16);
		for (i = 0; i < n; i++)
			a.ip[i] ^= mask[i];
	}
	*out = a;
	if (lead != NULL)
		*lead = first;
	return (0);
}

void
stun_addr_encode(struct stun_wr *w, int xor, const uint8_t *tid,
    const struct stun_addr *a, uint8_t lead)
{
	uint8_t		 ip[16];
	uint16_t	 port = a->port;
	size_t		 i, n = a->family == STUN_AF_INET ? 4 : 16;

	memcpy(ip, a->ip, n);
	if (xor) {
		port ^= (uint16_t)(STUN_MAGIC_COOKIE >> 16);
		ip[0] ^= 0x21; ip[1] ^= 0x12; ip[2] ^= 0xA4; ip[3] ^= 0x42;
		for (i = 4; i < n; i++)
			ip[i] ^= tid[i - 4];
	}
	stun_wr_u8(w, lead);
	stun_wr_u8(w, a->family == STUN_AF_INET ? 0x01 : 0x02);
	stun_wr_u16(w, port);
	stun_wr_bytes(w, ip, n);
}

int
stun_addr_equal(const struct stun_addr *a, const struct stun_addr *b)
{
	size_t	 n = a->family == STUN_AF_INET ? 4 : 16;

	return (a->family == b->family && a->port == b->port &&
	    memcmp(a->ip, b->ip, n) == 0);
}

/* RFC 5952 text for an IPv6 address: lower case, longest zero run as ::. */
static void
stun_addr_fmt6(const uint8_t *ip, char *out, size_t cap)
{
	uint16_t	 g[8];
	int		 i, best = -1, bestlen = 0, run, o = 0;

	for (i = 0; i < 8; i++)
		g[i] = (uint16_t)((ip[2 * i] << 8) | ip[2 * i + 1]);
	for (i = 0; i < 8; i++) {
		if (g[i] != 0)
			continue;
		for (run = 0; i + run < 8 && g[i + run] == 0; run++)
			;
		if (run > bestlen && run > 1) {
			best = i;
			bestlen = run;
		}
		i += run;
	}
	out[0] = '\0';
	for (i = 0; i < 8; i++) {
		if (i == best) {
			o += snprintf(out + o, cap - (size_t)o, "::");
			i += bestlen - 1;
			continue;
		}
		o += snprintf(out + o, cap - (size_t)o, "%s%x",
		    (i == 0 || i == best + bestlen) ? "" : ":", g[i]);
		if ((size_t)o >= cap)
			return;
	}
}

int
stun_addr_format(const struct stun_addr *a, char *out, size_t cap)
{
	char	 ip6[48];
	int	 n;

	if (a->family == STUN_AF_INET)
		n = snprintf(out, cap, "%u.%u.%u.%u:%u", a->ip[0], a->ip[1],
		    a->ip[2], a->ip[3], a->port);
	else if (a->family == STUN_AF_INET6) {
		stun_addr_fmt6(a->ip, ip6, sizeof(ip6));
		n = snprintf(out, cap, "[%s]:%u", ip6, a->port);
	} else
		return (STUN_ERR_FAMILY);
	if (n < 0 || (size_t)n >= cap)
		return (STUN_ERR_NOSPACE);
	return (0);
}

/* Dotted quad, strictly four decimal parts of at most 255. */
static int
stun_addr_parse4(const char *s, size_t len, uint8_t ip[4])
{
	size_t		 i = 0;
	int		 part = 0, digits = 0;
	unsigned	 v = 0;

	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (digits == 0 || part > 3)
				return (-1);
			ip[part++] = (uint8_t)v;
			v = 0;
			digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
			v = v * 10 + (unsigned)(s[i] - '0');
			if (v > 255)
				return (-1);
			digits++;
		} else
			return (-1);
	}
	return (part == 4 ? 0 : -1);
}

static int
stun_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* RFC 4291 2.2 text forms, including :: and a trailing dotted quad. */
static int
stun_addr_parse6(const char *s, size_t len, uint8_t ip[16])
{
	uint8_t	 out[16];
	size_t	 i = 0, start;
	int	 ng = 0, gap = -1, h, digits;
	unsigned v;

	memset(out, 0, sizeof(out));
	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (len >= 1 && s[0] == ':')
		return (-1);
	while (i < len) {
		if (ng >= 8)
			return (-1);
		start = i;
		v = 0;
		digits = 0;
		while (i < len && (h = stun_hexval(s[i])) != -1 && digits < 4) {
			v = (v << 4) | (unsigned)h;
			digits++;
			i++;
		}
		if (i < len && s[i] == '.') {
			if (ng > 6 || stun_addr_parse4(s + start, len - start,
			    out + 2 * ng) != 0)
				return (-1);
			ng += 2;
			i = len;
			break;
		}
		if (digits == 0)
			return (-1);
		out[2 * ng] = (uint8_t)(v >> 8);
		out[2 * ng + 1] = (uint8_t)v;
		ng++;
		if (i == len)
			break;
		if (s[i] != ':')
			return (-1);
		i++;
		if (i < len && s[i] == ':') {
			if (gap != -1)
				return (-1);
			gap = ng;
			i++;
		} else if (i == len)
			return (-1);
	}
	if (gap == -1 && ng != 8)
		return (-1);
	if (gap != -1) {
		if (ng >= 8)
			return (-1);
		memmove(out + 16 - 2 * (ng - gap), out + 2 * gap,
		    (size_t)(2 * (ng - gap)));
		memset(out + 2 * gap, 0, (size_t)(2 * (8 - ng)));
	}
	memcpy(ip, out, 16);
	return (0);
}

static int
stun_addr_parse_port(const char *s, uint16_t *port)
{
	char		*end;
	unsigned long	 v;

	if (*s < '0' || *s > '9')
		return (-1);
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > 65535)
		return (-1);
	*port = (uint16_t)v;
	return (0);
}

int
stun_addr_parse(const char *s, uint16_t defport, struct stun_addr *out)
{
	struct stun_addr a;
	const char	*colon, *rb;
	size_t		 len;

	memset(&a, 0, sizeof(a));
	a.port = defport;
	if (s == NULL)
		return (STUN_ERR_INVALID);
	len = strlen(s);
	if (s[0] == '[') {
		if ((rb = strchr(s, ']')) == NULL)
			return (STUN_ERR_INVALID);
		if (stun_addr_parse6(s + 1, (size_t)(rb - s - 1), a.ip) != 0)
			return (STUN_ERR_INVALID);
		a.family = STUN_AF_INET6;
		if (rb[1] == ':') {
			if (stun_addr_parse_port(rb + 2, &a.port) != 0)
				return (STUN_ERR_INVALID);
		} else if (rb[1] != '\0')
			return (STUN_ERR_INVALID);
	} else if ((colon = strchr(s, ':')) != NULL &&
	    strchr(colon + 1, ':') != NULL) {
		/* Two colons: a bare IPv6 address, no port. */
		if (stun_addr_parse6(s, len, a.ip) != 0)
			return (STUN_ERR_INVALID);
		a.family = STUN_AF_INET6;
	} else {
		if (colon != NULL) {
			if (stun_addr_parse_port(colon + 1, &a.port) != 0)
				return (STUN_ERR_INVALID);
			len = (size_t)(colon - s);
		}
		if (stun_addr_parse4(s, len, a.ip) != 0)
			return (STUN_ERR_INVALID);
		a.family = STUN_AF_INET;
	}
	*out = a;
	return (0);
}

void
stun_addr_canon(const struct stun_addr *in, struct stun_addr *out)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	static const uint8_t compat[12] = { 0 };
	static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0,
	    0, 0, 0, 0 };
	struct stun_addr a = *in;

	/*
	 * ::ffff:a.b.c.d, ::a.b.c.d (deprecated, but still routed by some
	 * stacks) and the NAT64 well-known prefix all reach an IPv4 host.
	 * :: and ::1 stay IPv6.
	 */
	if (a.family == STUN_AF_INET6 &&
	    (memcmp(a.ip, mapped, 12) == 0 || memcmp(a.ip, nat64, 12) == 0 ||
	    (memcmp(a.ip, compat, 12) == 0 &&
	    (a.ip[12] | a.ip[13] | a.ip[14] | (a.ip[15] & 0xfe)) != 0))) {
		memmove(a.ip, a.ip + 12, 4);
		memset(a.ip + 4, 0, 12);
		a.family = STUN_AF_INET;
	}
	*out = a;
}

static int
stun_addr_class4(const uint8_t *ip)
{
	if (ip[0] == 127)
		return (STUN_ADDR_LOOPBACK);
	if (ip[0] == 0)
		return (STUN_ADDR_UNSPEC);
	if (ip[0] == 169 && ip[1] == 254 && ip[2] == 169 && ip[3] == 254)
		return (STUN_ADDR_METADATA);
	if (ip[0] == 169 && ip[1] == 254)
		return (STUN_ADDR_LINKLOCAL);
	if (ip[0] == 10 || (ip[0] == 172 && (ip[1] & 0xf0) == 16) ||
	    (ip[0] == 192 && ip[1] == 168))
		return (STUN_ADDR_PRIVATE);
	if (ip[0] == 100 && (ip[1] & 0xc0) == 64)
		return (STUN_ADDR_CGNAT);
	if (ip[0] >= 224 && ip[0] <= 239)
		return (STUN_ADDR_MULTICAST);
	/* 192.0.0/24 protocol assignments, 198.18/15 benchmarking, 240/4. */
	if ((ip[0] == 192 && ip[1] == 0 && ip[2] == 0) ||
	    (ip[0] == 198 && (ip[1] & 0xfe) == 18) || ip[0] >= 240)
		return (STUN_ADDR_RESERVED);
	return (STUN_ADDR_PUBLIC);
}

int
stun_addr_class(const struct stun_addr *in)
{
	static const uint8_t zero[16] = { 0 };
	struct stun_addr a;

	stun_addr_canon(in, &a);
	if (a.family == STUN_AF_INET)
		return (stun_addr_class4(a.ip));
	if (memcmp(a.ip, zero, 16) == 0)
		return (STUN_ADDR_UNSPEC);
	if (memcmp(a.ip, zero, 15) == 0 && a.ip[15] == 1)
		return (STUN_ADDR_LOOPBACK);
	if (a.ip[0] == 0xff)
		return (STUN_ADDR_MULTICAST);
	if (a.ip[0] == 0xfe && (a.ip[1] & 0xc0) == 0x80)
		return (STUN_ADDR_LINKLOCAL);
	if ((a.ip[0] & 0xfe) == 0xfc)
		return (STUN_ADDR_PRIVATE);
	/* The AWS IPv6 metadata service, fd00:ec2::254, is ULA already. */
	return (STUN_ADDR_PUBLIC);
}

const char *
stun_addr_class_name(int cls)
{
	static const char *names[] = { "public", "loopback", "unspecified",
	    "private", "cgnat", "link-local", "multicast", "metadata",
	    "reserved" };

	if (cls < 0 || (size_t)cls >= sizeof(names) / sizeof(names[0]))
		return ("unknown");
	return (names[cls]);
}

int
stun_addr_from_sockaddr(const struct sockaddr *sa, size_t salen,
    struct stun_addr *out)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;

	memset(out, 0, sizeof(*out));
	if (sa == NULL || salen < sizeof(sa->sa_family))
		return (STUN_ERR_TRUNCATED);
	switch (sa->sa_family) {
	case AF_INET:
		if (salen < sizeof(sin))
			return (STUN_ERR_TRUNCATED);
		memcpy(&sin, sa, sizeof(sin));
		out->family = STUN_AF_INET;
		out->port = ntohs(sin.sin_port);
		memcpy(out->ip, &sin.sin_addr, 4);
		return (0);
	case AF_INET6:
		if (salen < sizeof(sin6))
			return (STUN_ERR_TRUNCATED);
		memcpy(&sin6, sa, sizeof(sin6));
		out->family = STUN_AF_INET6;
		out->port = ntohs(sin6.sin6_port);
		memcpy(out->ip, &sin6.sin6_addr, 16);
		return (0);
	}
	return (STUN_ERR_FAMILY);
}

int
stun_addr_to_sockaddr(const struct stun_addr *a, struct sockaddr_storage *ss)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;

	memset(ss, 0, sizeof(*ss));
	switch (a->family) {
	case STUN_AF_INET:
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(a->port);
		memcpy(&sin.sin_addr, a->ip, 4);
		memcpy(ss, &sin, sizeof(sin));
		return ((int)sizeof(sin));
	case STUN_AF_INET6:
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(a->port);
		memcpy(&sin6.sin6_addr, a->ip, 16);
		memcpy(ss, &sin6, sizeof(sin6));
		return ((int)sizeof(sin6));
	}
	return (STUN_ERR_FAMILY);
}
