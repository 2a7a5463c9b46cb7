/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Unit tests for stund's operator parts: the PROXY protocol v2 decoder
 * (every header form, every truncation, every wrong byte) and the checks
 * of the operator options (external-ip, proxy-protocol, log-format).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "stund/conf.h"
#include "stund/proxy.h"

Suite	*suite_ops(void);

/* PROXY, TCP over IPv4: 192.0.2.7:40000 -> 198.51.100.1:3478, one TLV. */
static const uint8_t v4[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51,	/* signature */
	0x55, 0x49, 0x54, 0x0a,
	0x21,					/* version 2, PROXY */
	0x11,					/* INET, STREAM */
	0x00, 0x13,				/* 12 + 7 bytes follow */
	192, 0, 2, 7,				/* source */
	198, 51, 100, 1,			/* destination */
	0x9c, 0x40,				/* source port 40000 */
	0x0d, 0x96,				/* destination port 3478 */
	0x04, 0x00, 0x04, 'n', 'o', 'o', 'p',	/* PP2_TYPE_NOOP TLV */
	0x00, 0x01, 0x00, 0x08			/* the stream goes on: STUN */
};

/* PROXY, TCP over IPv6: [2001:db8::7]:40001 -> [2001:db8::1]:3478. */
static const uint8_t v6[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51,
	0x55, 0x49, 0x54, 0x0a,
	0x21, 0x21, 0x00, 0x24,			/* PROXY, INET6 STREAM, 36 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0x9c, 0x41, 0x0d, 0x96
};

/* LOCAL (the balancer's health check), no addresses. */
static const uint8_t local[] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51,
	0x55, 0x49, 0x54, 0x0a,
	0x20, 0x00, 0x00, 0x00
};

START_TEST(proxy_decodes_ipv4_and_skips_tlvs)
{
	struct proxy_hdr	 h;

	ck_assert_int_eq(proxy_v2_decode(v4, sizeof(v4), &h), 35);
	ck_assert_uint_eq(h.len, 35);
	ck_assert_int_eq(h.has_addr, 1);
	ck_assert_int_eq(h.local, 0);
	ck_assert_uint_eq(h.src.family, STUN_AF_INET);
	ck_assert_mem_eq(h.src.ip, "\xc0\x00\x02\x07", 4);
	ck_assert_uint_eq(h.src.port, 40000);
	ck_assert_mem_eq(h.dst.ip, "\xc6\x33\x64\x01", 4);
	ck_assert_uint_eq(h.dst.port, 3478);
}
END_TEST

START_TEST(proxy_decodes_ipv6)
{
	struct proxy_hdr	 h;

	ck_assert_int_eq(proxy_v2_decode(v6, sizeof(v6), &h), 52);
	ck_assert_uint_eq(h.src.family, STUN_AF_INET6);
	ck_assert_uint_eq(h.src.ip[15], 7);
	ck_assert_uint_eq(h.src.port, 40001);
	ck_assert_uint_eq(h.dst.ip[15], 1);
}
END_TEST

START_TEST(proxy_local_keeps_the_connection_addresses)
{
	struct proxy_hdr	 h;

	ck_assert_int_eq(proxy_v2_decode(local, sizeof(local), &h), 16);
	ck_assert_int_eq(h.local, 1);
	ck_assert_int_eq(h.has_addr, 0);
}
END_TEST

/* Every prefix of a good header asks for more; none is taken as one. */
START_TEST(proxy_truncations_need_more)
{
	struct proxy_hdr	 h;
	size_t			 n = (size_t)_i;

	ck_assert_int_eq(proxy_v2_decode(v4, n, &h), 0);
	if (n < sizeof(v6))
		ck_assert_int_eq(proxy_v2_decode(v6, n, &h), 0);
}
END_TEST

/* A STUN request where the header should be: refused at once. */
START_TEST(proxy_refuses_stun_and_version_1)
{
	static const uint8_t	stun[] = { 0x00, 0x01, 0x00, 0x00, 0x21,
				    0x12, 0xa4, 0x42 };
	static const char	v1[] = "PROXY TCP4 192.0.2.7 198.51.100.1 "
				    "40000 3478\r\n";
	struct proxy_hdr	 h;

	ck_assert_int_eq(proxy_v2_decode(stun, 1, &h), -1);
	ck_assert_int_eq(proxy_v2_decode(stun, sizeof(stun), &h), -1);
	ck_assert_int_eq(proxy_v2_decode((const uint8_t *)v1, strlen(v1),
	    &h), -1);
}
END_TEST

/* Each byte of the fixed part changed: refused (or, for len, judged). */
START_TEST(proxy_bad_fixed_bytes)
{
	struct proxy_hdr	 h;
	uint8_t			 b[sizeof(v4)];
	int			 rc;

	memcpy(b, v4, sizeof(b));
	b[_i] ^= 0x40;
	rc = proxy_v2_decode(b, sizeof(b), &h);
	if (_i < 14)
		ck_assert_int_eq(rc, -1);
	else {
		/* 0x13 ^ 0x40 = 0x53 is more than there is: wait or stop. */
		ck_assert_int_le(rc, 0);
	}
}
END_TEST

START_TEST(proxy_refuses_wrong_forms)
{
	struct proxy_hdr	 h;
	uint8_t			 b[sizeof(v4)];

	/* Datagram transport. */
	memcpy(b, v4, sizeof(b));
	b[13] = 0x12;
	ck_assert_int_eq(proxy_v2_decode(b, sizeof(b), &h), -1);
	/* Command 2. */
	memcpy(b, v4, sizeof(b));
	b[12] = 0x22;
	ck_assert_int_eq(proxy_v2_decode(b, sizeof(b), &h), -1);
	/* An IPv4 block shorter than its addresses. */
	memcpy(b, v4, sizeof(b));
	b[15] = 8;
	ck_assert_int_eq(proxy_v2_decode(b, sizeof(b), &h), -1);
	/* IPv6 claimed in 19 bytes. */
	memcpy(b, v4, sizeof(b));
	b[13] = 0x21;
	ck_assert_int_eq(proxy_v2_decode(b, sizeof(b), &h), -1);
	/* Family 4 does not exist. */
	memcpy(b, v4, sizeof(b));
	b[13] = 0x41;
	ck_assert_int_eq(proxy_v2_decode(b, sizeof(b), &h), -1);
	/* Longer than we ever wait for, whatever has arrived. */
	memcpy(b, v4, sizeof(b));
	b[14] = 0xff;
	b[15] = 0xff;
	ck_assert_int_eq(proxy_v2_decode(b, sizeof(b), &h), -1);
}
END_TEST

static int
finish(const char *text, char *err, size_t errlen)
{
	struct conf	 c;

	conf_init(&c);
	if (conf_parse(&c, text, strlen(text), "t.conf", err, errlen) != 0)
		return (-1);
	return (conf_finish(&c, err, errlen));
}

START_TEST(conf_external_ip_forms)
{
	struct conf	 c;
	char		 err[256];
	static const char good[] =
	    "primary 10.0.0.7\nalternate 10.0.0.8\n"
	    "external-ip 203.0.113.7/10.0.0.7\n"
	    "alt-external-ip 203.0.113.8\n";

	conf_init(&c);
	ck_assert_int_eq(conf_parse(&c, good, strlen(good), "t.conf", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(conf_finish(&c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.ext.set, 1);
	ck_assert_int_eq(c.ext.has_priv, 1);
	ck_assert_mem_eq(c.ext.pub.ip, "\xcb\x00\x71\x07", 4);
	ck_assert_int_eq(c.alt_ext.set, 1);
	ck_assert_int_eq(c.alt_ext.has_priv, 0);
	/* The private part must be the address it stands for. */
	ck_assert_int_eq(finish("primary 10.0.0.7\n"
	    "external-ip 203.0.113.7/10.0.0.9\n", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "10.0.0.9"));
	ck_assert_int_eq(finish("primary 10.0.0.7\n"
	    "external-ip nonsense\n", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "nonsense"));
	/* Both addresses or neither; two different ones. */
	ck_assert_int_eq(finish("primary 10.0.0.7\nalternate 10.0.0.8\n"
	    "external-ip 203.0.113.7\n", err, sizeof(err)), -1);
	ck_assert_int_eq(finish("primary 10.0.0.7\nalternate 10.0.0.8\n"
	    "external-ip 203.0.113.7\nalt-external-ip 203.0.113.7\n", err,
	    sizeof(err)), -1);
	ck_assert_int_eq(finish("primary 10.0.0.7\n"
	    "alt-external-ip 203.0.113.7\n", err, sizeof(err)), -1);
	/* A family other than the bound address's. */
	ck_assert_int_eq(finish("primary 10.0.0.7\n"
	    "external-ip 2001:db8::7\n", err, sizeof(err)), -1);
}
END_TEST

START_TEST(conf_proxy_and_log_format)
{
	struct conf	 c;
	char		 err[256];
	static const char good[] =
	    "primary 127.0.0.1\nproxy-protocol tcp\nlog-format json\n";

	conf_init(&c);
	ck_assert_int_eq(conf_parse(&c, good, strlen(good), "t.conf", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(conf_finish(&c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.proxy_tcp, 1);
	ck_assert_int_eq(c.proxy_tls, 0);
	ck_assert_int_eq(c.log_json, 1);
	ck_assert_int_eq(finish("primary 127.0.0.1\nproxy-protocol udp\n",
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "udp"));
	ck_assert_int_eq(finish("primary 127.0.0.1\nproxy-protocol no,tcp\n",
	    err, sizeof(err)), -1);
	/* TLS behind PROXY needs TLS. */
	ck_assert_int_eq(finish("primary 127.0.0.1\nproxy-protocol tcp,tls\n",
	    err, sizeof(err)), -1);
	ck_assert_int_eq(finish("primary 127.0.0.1\nno-tcp yes\n"
	    "proxy-protocol tcp\n", err, sizeof(err)), -1);
	ck_assert_int_eq(finish("primary 127.0.0.1\nlog-format xml\n",
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "xml"));
	ck_assert_int_eq(finish("primary 127.0.0.1\nno-udp yes\nno-tcp yes\n",
	    err, sizeof(err)), -1);
}
END_TEST

Suite *
suite_ops(void)
{
	Suite	*s = suite_create("ops");
	TCase	*tc;

	tc = tcase_create("proxy");
	tcase_add_test(tc, proxy_decodes_ipv4_and_skips_tlvs);
	tcase_add_test(tc, proxy_decodes_ipv6);
	tcase_add_test(tc, proxy_local_keeps_the_connection_addresses);
	tcase_add_loop_test(tc, proxy_truncations_need_more, 0, 35);
	tcase_add_test(tc, proxy_refuses_stun_and_version_1);
	tcase_add_loop_test(tc, proxy_bad_fixed_bytes, 0, 16);
	tcase_add_test(tc, proxy_refuses_wrong_forms);
	suite_add_tcase(s, tc);

	tc = tcase_create("options");
	tcase_add_test(tc, conf_external_ip_forms);
	tcase_add_test(tc, conf_proxy_and_log_format);
	suite_add_tcase(s, tc);
	return (s);
}
