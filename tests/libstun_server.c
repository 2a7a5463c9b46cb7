/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_server: every Binding path of libstun/server.c driven by scripted
 * requests: plain, RFC 3489 legacy, each CHANGE-REQUEST in one- and
 * two-address mode, RESPONSE-PORT, PADDING, 420, 400, FINGERPRINT, drops,
 * and the exact size of each answer (the amplification table of stund.8).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include <libstun/stun.h>
#include <libstun/server.h>

#include "suites.h"

#define SRV_OPT_UNKNOWN	0xfff0	/* unknown, optional */
#define SRV_REQ_UNKNOWN	0x7ffe	/* unknown, required */

static const uint8_t srv_tid[STUN_TID_LEN] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c
};

/* What a scripted request carries. */
struct srv_script {
	int		 legacy;
	uint32_t	 cookie;	/* legacy only */
	int		 change;	/* -1: no CHANGE-REQUEST */
	int		 rport;		/* -1: no RESPONSE-PORT */
	int		 padlen;	/* -1: no PADDING */
	int		 unknown;	/* 0, or an attribute type to add */
	int		 raddr;		/* add RESPONSE-ADDRESS */
	int		 fp;		/* add FINGERPRINT */
	uint16_t	 method;
	uint8_t		 cls;
};

static struct stun_addr
srv_addr4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct stun_addr	 x;

	memset(&x, 0, sizeof(x));
	x.family = STUN_AF_INET;
	x.ip[0] = a;
	x.ip[1] = b;
	x.ip[2] = c;
	x.ip[3] = d;
	x.port = port;
	return (x);
}

static struct stun_addr
srv_addr6(uint8_t last, uint16_t port)
{
	struct stun_addr	 x;

	memset(&x, 0, sizeof(x));
	x.family = STUN_AF_INET6;
	x.ip[0] = 0x20;
	x.ip[1] = 0x01;
	x.ip[2] = 0x0d;
	x.ip[3] = 0xb8;
	x.ip[15] = last;
	x.port = port;
	return (x);
}

/* (192.0.2.1 | 192.0.2.2) x (3478 | 3479). */
static void
srv_conf(struct stun_server_conf *c, int two, int v6)
{
	memset(c, 0, sizeof(*c));
	if (v6) {
		c->local[STUN_SRV_PP] = srv_addr6(1, 3478);
		c->local[STUN_SRV_PA] = srv_addr6(1, 3479);
		c->local[STUN_SRV_AP] = srv_addr6(2, 3478);
		c->local[STUN_SRV_AA] = srv_addr6(2, 3479);
	} else {
		c->local[STUN_SRV_PP] = srv_addr4(192, 0, 2, 1, 3478);
		c->local[STUN_SRV_PA] = srv_addr4(192, 0, 2, 1, 3479);
		c->local[STUN_SRV_AP] = srv_addr4(192, 0, 2, 2, 3478);
		c->local[STUN_SRV_AA] = srv_addr4(192, 0, 2, 2, 3479);
	}
	c->two_addr = two;
}

static void
srv_script_init(struct srv_script *s)
{
	memset(s, 0, sizeof(*s));
	s->change = -1;
	s->rport = -1;
	s->padlen = -1;
	s->method = STUN_METHOD_BINDING;
	s->cls = STUN_CLASS_REQUEST;
}

static size_t
srv_build(const struct srv_script *s, uint8_t *buf, size_t cap)
{
	static const uint8_t	 pad[1024];
	struct stun_builder	 b;
	struct stun_addr	 ra = srv_addr4(198, 51, 100, 9, 1);
	int			 n;

	if (s->legacy)
		stun_build_init_legacy(&b, buf, cap, s->method, s->cls,
		    s->cookie, srv_tid);
	else
		stun_build_init(&b, buf, cap, s->method, s->cls, srv_tid);
	if (s->raddr)
		stun_build_addr(&b, STUN_ATTR_RESPONSE_ADDRESS, &ra);
	if (s->change >= 0)
		stun_build_u32(&b, STUN_ATTR_CHANGE_REQUEST,
		    (uint32_t)s->change);
	if (s->rport >= 0)
		stun_build_response_port(&b, (uint16_t)s->rport);
	if (s->padlen >= 0)
		stun_build_attr(&b, STUN_ATTR_PADDING, pad, (size_t)s->padlen);
	if (s->unknown != 0)
		stun_build_attr(&b, (uint16_t)s->unknown, NULL, 0);
	if (s->fp)
		stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	return ((size_t)n);
}

/* Runs one request through the server; decodes the answer into resp. */
struct srv_run {
	struct stun_msg		 req;
	struct stun_server_in	 in;
	struct stun_server_out	 out;
	uint8_t			 obuf[STUN_SRV_MIN_CAP];
	struct stun_msg		 resp;
	int			 rv;
};

static void
srv_run(struct srv_run *r, const struct stun_server_conf *c,
    const uint8_t *buf, size_t len, int sock, int stream)
{
	memset(r, 0, sizeof(*r));
	r->in.derr = stun_msg_decode(&r->req, buf, len);
	r->in.msg = &r->req;
	r->in.len = len;
	r->in.sock = sock;
	r->in.stream = stream;
	r->in.src = srv_addr4(203, 0, 113, 5, 40000);
	if (c->local[0].family == STUN_AF_INET6)
		r->in.src = srv_addr6(0x99, 40000);
	r->out.buf = r->obuf;
	r->out.cap = sizeof(r->obuf);
	r->rv = stun_server_binding(c, &r->in, &r->out);
	if (r->rv == STUN_SRV_SEND) {
		ck_assert_int_eq(stun_msg_decode(&r->resp, r->obuf,
		    r->out.len), 0);
		ck_assert_int_eq(r->resp.method, STUN_METHOD_BINDING);
		ck_assert(memcmp(r->resp.tid, srv_tid, STUN_TID_LEN) == 0);
	}
}

static void
srv_simple(struct srv_run *r, const struct stun_server_conf *c,
    const struct srv_script *s, int sock, int stream)
{
	uint8_t	 buf[2048];
	size_t	 len;

	len = srv_build(s, buf, sizeof(buf));
	srv_run(r, c, buf, len, sock, stream);
}

static void
srv_assert_addr(const struct stun_msg *m, uint16_t type,
    const struct stun_addr *want)
{
	struct stun_addr	 got;

	ck_assert_int_eq(stun_msg_get_addr(m, type, &got), 0);
	ck_assert_msg(stun_addr_equal(&got, want), "%s differs",
	    stun_attr_name(type));
}

static void
srv_assert_error(const struct srv_run *r, int code)
{
	const char	*reason;
	size_t		 rlen;
	int		 got;

	ck_assert_int_eq(r->rv, STUN_SRV_SEND);
	ck_assert_int_eq(r->resp.cls, STUN_CLASS_ERROR);
	ck_assert_int_eq(r->out.cls, STUN_CLASS_ERROR);
	ck_assert_int_eq(r->out.code, code);
	ck_assert_int_eq(stun_msg_get_error(&r->resp, &got, &reason, &rlen),
	    0);
	ck_assert_int_eq(got, code);
	/* Errors go back where the request came from. */
	ck_assert_int_eq(r->out.sock, r->in.sock);
	ck_assert(stun_addr_equal(&r->out.dst, &r->in.src));
	ck_assert(stun_msg_find(&r->resp, STUN_ATTR_XOR_MAPPED_ADDRESS) ==
	    NULL);
}

START_TEST(server_plain_one_address_is_xor_mapped_only)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;

	srv_conf(&c, 0, 0);
	srv_script_init(&s);
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	ck_assert_int_eq(r.rv, STUN_SRV_SEND);
	ck_assert_int_eq(r.resp.cls, STUN_CLASS_SUCCESS);
	ck_assert_int_eq(r.resp.legacy, 0);
	srv_assert_addr(&r.resp, STUN_ATTR_XOR_MAPPED_ADDRESS, &r.in.src);
	ck_assert_uint_eq(r.resp.nattrs, 1);
	ck_assert_int_eq(r.out.sock, STUN_SRV_PP);
	ck_assert(stun_addr_equal(&r.out.dst, &r.in.src));
	/* 20-byte request, 32-byte answer: the 1.6 of stund.8. */
	ck_assert_uint_eq(r.in.len, 20);
	ck_assert_uint_eq(r.out.len, 32);
}
END_TEST

START_TEST(server_plain_two_address_adds_origin_and_other)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;
	int			 sock = _i;

	srv_conf(&c, 1, 0);
	srv_script_init(&s);
	srv_simple(&r, &c, &s, sock, 0);
	ck_assert_int_eq(r.rv, STUN_SRV_SEND);
	ck_assert_int_eq(r.out.sock, sock);
	srv_assert_addr(&r.resp, STUN_ATTR_XOR_MAPPED_ADDRESS, &r.in.src);
	srv_assert_addr(&r.resp, STUN_ATTR_RESPONSE_ORIGIN, &c.local[sock]);
	srv_assert_addr(&r.resp, STUN_ATTR_OTHER_ADDRESS, &c.local[sock ^ 3]);
	ck_assert(stun_msg_find(&r.resp, STUN_ATTR_MAPPED_ADDRESS) == NULL);
	ck_assert_uint_eq(r.resp.nattrs, 3);
	ck_assert_uint_eq(r.out.len, 56);
}
END_TEST

/* _i = receiving socket * 4 + flags (bit 2 change IP, bit 1 port). */
START_TEST(server_change_request_two_address_picks_socket)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;
	int			 sock = _i / 4, k = _i % 4, want;

	srv_conf(&c, 1, 0);
	srv_script_init(&s);
	s.change = ((k & 2) ? STUN_CHANGE_IP : 0) |
	    ((k & 1) ? STUN_CHANGE_PORT : 0);
	srv_simple(&r, &c, &s, sock, 0);
	want = sock ^ k;
	ck_assert_int_eq(r.rv, STUN_SRV_SEND);
	ck_assert_int_eq(r.resp.cls, STUN_CLASS_SUCCESS);
	ck_assert_int_eq(r.out.sock, want);
	ck_assert(stun_addr_equal(&r.out.dst, &r.in.src));
	srv_assert_addr(&r.resp, STUN_ATTR_RESPONSE_ORIGIN, &c.local[want]);
	srv_assert_addr(&r.resp, STUN_ATTR_OTHER_ADDRESS, &c.local[sock ^ 3]);
}
END_TEST

/* RFC 5780 6: one address -> 420 for any CHANGE-REQUEST, even flags 0. */
START_TEST(server_change_request_one_address_is_420)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;
	uint16_t		 types[4];
	size_t			 n;

	srv_conf(&c, 0, 0);
	srv_script_init(&s);
	s.change = ((_i & 2) ? STUN_CHANGE_IP : 0) |
	    ((_i & 1) ? STUN_CHANGE_PORT : 0);
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	srv_assert_error(&r, 420);
	ck_assert_int_eq(stun_msg_get_unknown(&r.resp, types, 4, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(types[0], STUN_ATTR_CHANGE_REQUEST);
	ck_assert(stun_msg_find(&r.resp, STUN_ATTR_OTHER_ADDRESS) == NULL);
}
END_TEST

START_TEST(server_legacy_two_address_echoes_cookie)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;
	int			 k = _i, want;

	srv_conf(&c, 1, 0);
	srv_script_init(&s);
	s.legacy = 1;
	s.cookie = 0x5a5aa5a5;
	s.change = ((k & 2) ? STUN_CHANGE_IP : 0) |
	    ((k & 1) ? STUN_CHANGE_PORT : 0);
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	want = STUN_SRV_PP ^ k;
	ck_assert_int_eq(r.rv, STUN_SRV_SEND);
	ck_assert_int_eq(r.resp.legacy, 1);
	ck_assert_uint_eq(r.resp.cookie, 0x5a5aa5a5);
	ck_assert(r.obuf[4] == 0x5a && r.obuf[5] == 0x5a &&
	    r.obuf[6] == 0xa5 && r.obuf[7] == 0xa5);
	ck_assert_int_eq(r.out.sock, want);
	srv_assert_addr(&r.resp, STUN_ATTR_MAPPED_ADDRESS, &r.in.src);
	srv_assert_addr(&r.resp, STUN_ATTR_SOURCE_ADDRESS, &c.local[want]);
	srv_assert_addr(&r.resp, STUN_ATTR_CHANGED_ADDRESS, &c.local[3]);
	ck_assert(stun_msg_find(&r.resp, STUN_ATTR_XOR_MAPPED_ADDRESS) ==
	    NULL);
	ck_assert(stun_msg_find(&r.resp, STUN_ATTR_OTHER_ADDRESS) == NULL);
}
END_TEST

START_TEST(server_legacy_one_address_has_no_changed_address)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;

	srv_conf(&c, 0, 0);
	srv_script_init(&s);
	s.legacy = 1;
	s.cookie = 0x01020304;
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	ck_assert_int_eq(r.rv, STUN_SRV_SEND);
	ck_assert_int_eq(r.resp.legacy, 1);
	srv_assert_addr(&r.resp, STUN_ATTR_MAPPED_ADDRESS, &r.in.src);
	srv_assert_addr(&r.resp, STUN_ATTR_SOURCE_ADDRESS, &c.local[0]);
	ck_assert(stun_msg_find(&r.resp, STUN_ATTR_CHANGED_ADDRESS) == NULL);
	ck_assert_uint_eq(r.out.len, 44);
}
END_TEST

START_TEST(server_response_address_is_never_honoured)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;

	srv_conf(&c, 1, 0);
	srv_script_init(&s);
	s.legacy = _i;
	s.cookie = 0x11111111;
	s.raddr = 1;
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	ck_assert_int_eq(r.rv, STUN_SRV_SEND);
	ck_assert_int_eq(r.resp.cls, STUN_CLASS_SUCCESS);
	ck_assert(stun_addr_equal(&r.out.dst, &r.in.src));
	ck_assert(stun_msg_find(&r.resp, STUN_ATTR_REFLECTED_FROM) == NULL);
}
END_TEST

START_TEST(server_response_port_changes_only_the_port)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;

	srv_conf(&c, _i, 0);
	srv_script_init(&s);
	s.rport = 5555;
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	ck_assert_int_eq(r.rv, STUN_SRV_SEND);
	ck_assert_int_eq(r.resp.cls, STUN_CLASS_SUCCESS);
	ck_assert_uint_eq(r.out.dst.port, 5555);
	ck_assert(memcmp(r.out.dst.ip, r.in.src.ip, 16) == 0);
	/* XOR-MAPPED-ADDRESS still names where the request came from. */
	srv_assert_addr(&r.resp, STUN_ATTR_XOR_MAPPED_ADDRESS, &r.in.src);
}
END_TEST

START_TEST(server_response_port_zero_is_400)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;

	srv_conf(&c, 1, 0);
	srv_script_init(&s);
	s.rport = 0;
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	srv_assert_error(&r, 400);
}
END_TEST

/* RFC 5780 6.1: PADDING together with RESPONSE-PORT is a 400. */
START_TEST(server_padding_with_response_port_is_400)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;

	srv_conf(&c, 1, 0);
	srv_script_init(&s);
	s.rport = 5555;
	s.padlen = 100;
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	srv_assert_error(&r, 400);
	ck_assert(stun_msg_find(&r.resp, STUN_ATTR_PADDING) == NULL);
}
END_TEST

/* _i = PADDING length asked for: the answer never outgrows the request. */
START_TEST(server_padding_never_larger_than_request)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;
	const uint8_t		*val;
	size_t			 vlen, base = 56;

	srv_conf(&c, 1, 0);
	srv_script_init(&s);
	s.padlen = _i * 3;
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	ck_assert_int_eq(r.rv, STUN_SRV_SEND);
	ck_assert_int_eq(r.resp.cls, STUN_CLASS_SUCCESS);
	if (stun_msg_get_bytes(&r.resp, STUN_ATTR_PADDING, &val, &vlen) == 0) {
		ck_assert_uint_le(vlen, (size_t)s.padlen);
		ck_assert_uint_le(r.out.len, r.in.len);
	} else {
		/* Not even an empty PADDING fits under the request size. */
		ck_assert_uint_gt(base + 4, r.in.len);
		ck_assert_uint_eq(r.out.len, base);
	}
	if (r.in.len >= base + 4 + 4)
		ck_assert_int_eq(stun_msg_get_bytes(&r.resp,
		    STUN_ATTR_PADDING, &val, &vlen), 0);
}
END_TEST

START_TEST(server_unknown_required_attribute_is_420)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;
	uint16_t		 types[4];
	size_t			 n;

	srv_conf(&c, _i, 0);
	srv_script_init(&s);
	s.unknown = SRV_REQ_UNKNOWN;
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	srv_assert_error(&r, 420);
	ck_assert_int_eq(stun_msg_get_unknown(&r.resp, types, 4, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(types[0], SRV_REQ_UNKNOWN);
	/* 24 bytes in, 36 out: ERROR-CODE without reason + 1 type. */
	ck_assert_uint_eq(r.in.len, 24);
	ck_assert_uint_eq(r.out.len, 36);
}
END_TEST

START_TEST(server_unknown_optional_attribute_is_ignored)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;

	srv_conf(&c, 0, 0);
	srv_script_init(&s);
	s.unknown = SRV_OPT_UNKNOWN;
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	ck_assert_int_eq(r.rv, STUN_SRV_SEND);
	ck_assert_int_eq(r.resp.cls, STUN_CLASS_SUCCESS);
}
END_TEST

START_TEST(server_malformed_attribute_is_400)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;
	uint8_t			 buf[64];
	size_t			 len;

	srv_conf(&c, 1, 0);
	srv_script_init(&s);
	s.change = 0;
	len = srv_build(&s, buf, sizeof(buf));
	/* CHANGE-REQUEST claims 8 bytes; the message holds 4. */
	ck_assert_uint_eq(len, 28);
	buf[23] = 8;
	srv_run(&r, &c, buf, len, STUN_SRV_PP, 0);
	ck_assert_int_ne(r.in.derr, 0);
	ck_assert_int_eq(r.req.hdr_ok, 1);
	srv_assert_error(&r, 400);
	ck_assert_uint_eq(r.out.len, 28);
}
END_TEST

START_TEST(server_change_request_bad_length_is_400)
{
	struct stun_server_conf	 c;
	struct srv_run		 r;
	uint8_t			 buf[32];
	struct stun_builder	 b;
	static const uint8_t	 v[8];
	int			 n;

	srv_conf(&c, 1, 0);
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, srv_tid);
	stun_build_attr(&b, STUN_ATTR_CHANGE_REQUEST, v, sizeof(v));
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	srv_run(&r, &c, buf, (size_t)n, STUN_SRV_PP, 0);
	srv_assert_error(&r, 400);
}
END_TEST

START_TEST(server_not_stun_is_dropped)
{
	struct stun_server_conf	 c;
	struct srv_run		 r;
	uint8_t			 buf[20];

	srv_conf(&c, 1, 0);
	memset(buf, 0xff, sizeof(buf));
	srv_run(&r, &c, buf, sizeof(buf), STUN_SRV_PP, 0);
	ck_assert_int_eq(r.rv, STUN_SRV_DROP_MALFORMED);
	ck_assert_uint_eq(r.out.len, 0);
}
END_TEST

START_TEST(server_fingerprint_is_echoed)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;

	srv_conf(&c, _i, 0);
	srv_script_init(&s);
	s.fp = 1;
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	ck_assert_int_eq(r.rv, STUN_SRV_SEND);
	ck_assert_int_ge(r.resp.fp, 0);
	ck_assert_int_eq(stun_msg_check_fingerprint(&r.resp), 0);
	/* Errors echo it too. */
	s.unknown = SRV_REQ_UNKNOWN;
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	srv_assert_error(&r, 420);
	ck_assert_int_eq(stun_msg_check_fingerprint(&r.resp), 0);
}
END_TEST

START_TEST(server_no_fingerprint_without_one)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;

	srv_conf(&c, 1, 0);
	srv_script_init(&s);
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	ck_assert_int_eq(r.resp.fp, -1);
}
END_TEST

START_TEST(server_bad_fingerprint_is_dropped)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;
	uint8_t			 buf[64];
	size_t			 len;

	srv_conf(&c, 1, 0);
	srv_script_init(&s);
	s.fp = 1;
	len = srv_build(&s, buf, sizeof(buf));
	buf[len - 1] ^= 0x01;
	srv_run(&r, &c, buf, len, STUN_SRV_PP, 0);
	ck_assert_int_eq(r.rv, STUN_SRV_DROP_FP);
}
END_TEST

START_TEST(server_only_binding_requests_are_answered)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;
	uint8_t			 buf[64];
	size_t			 len;

	srv_conf(&c, 1, 0);
	srv_script_init(&s);
	s.cls = STUN_CLASS_INDICATION;
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	ck_assert_int_eq(r.rv, STUN_SRV_DROP_CLASS);
	s.cls = STUN_CLASS_SUCCESS;
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	ck_assert_int_eq(r.rv, STUN_SRV_DROP_CLASS);
	s.cls = STUN_CLASS_REQUEST;
	s.method = STUN_METHOD_ALLOCATE;
	len = srv_build(&s, buf, sizeof(buf));
	srv_run(&r, &c, buf, len, STUN_SRV_PP, 0);
	ck_assert_int_eq(r.rv, STUN_SRV_DROP_METHOD);
	/* The dispatcher rejects other methods with 400. */
	r.rv = stun_server_reject(&c, &r.in, 400, &r.out);
	ck_assert_int_eq(r.rv, STUN_SRV_SEND);
	ck_assert_int_eq(stun_msg_decode(&r.resp, r.obuf, r.out.len), 0);
	ck_assert_int_eq(r.resp.cls, STUN_CLASS_ERROR);
	ck_assert_int_eq(r.resp.method, STUN_METHOD_ALLOCATE);
	ck_assert_int_eq(r.out.code, 400);
}
END_TEST

START_TEST(server_stream_refuses_change_and_response_port)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;

	srv_conf(&c, 1, 0);
	srv_script_init(&s);
	s.change = STUN_CHANGE_IP;
	srv_simple(&r, &c, &s, STUN_SRV_PP, 1);
	srv_assert_error(&r, 400);
	srv_script_init(&s);
	s.rport = 4000;
	srv_simple(&r, &c, &s, STUN_SRV_PP, 1);
	srv_assert_error(&r, 400);
	/* No change asked: a plain answer over the stream. */
	srv_script_init(&s);
	s.change = 0;
	srv_simple(&r, &c, &s, STUN_SRV_PA, 1);
	ck_assert_int_eq(r.rv, STUN_SRV_SEND);
	ck_assert_int_eq(r.out.sock, STUN_SRV_PA);
	srv_assert_addr(&r.resp, STUN_ATTR_RESPONSE_ORIGIN, &c.local[1]);
}
END_TEST

START_TEST(server_software_only_when_configured)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;
	char			 sw[32];

	srv_conf(&c, 0, 0);
	srv_script_init(&s);
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	ck_assert(stun_msg_find(&r.resp, STUN_ATTR_SOFTWARE) == NULL);
	c.software = "stund test";
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	ck_assert_int_eq(stun_msg_get_string(&r.resp, STUN_ATTR_SOFTWARE, sw,
	    sizeof(sw)), 0);
	ck_assert_str_eq(sw, "stund test");
}
END_TEST

START_TEST(server_bad_source_or_socket_is_dropped)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;
	uint8_t			 buf[64];
	size_t			 len;

	srv_conf(&c, 0, 0);
	srv_script_init(&s);
	len = srv_build(&s, buf, sizeof(buf));
	srv_run(&r, &c, buf, len, STUN_SRV_PP, 0);
	r.in.src.port = 0;
	ck_assert_int_eq(stun_server_binding(&c, &r.in, &r.out),
	    STUN_SRV_DROP_SOURCE);
	/* Nobody to answer: unspecified, multicast, broadcast. */
	srv_run(&r, &c, buf, len, STUN_SRV_PP, 0);
	r.in.src = srv_addr4(0, 0, 0, 0, 1000);
	ck_assert_int_eq(stun_server_binding(&c, &r.in, &r.out),
	    STUN_SRV_DROP_SOURCE);
	r.in.src = srv_addr4(224, 0, 0, 1, 1000);
	ck_assert_int_eq(stun_server_binding(&c, &r.in, &r.out),
	    STUN_SRV_DROP_SOURCE);
	r.in.src = srv_addr4(255, 255, 255, 255, 1000);
	ck_assert_int_eq(stun_server_binding(&c, &r.in, &r.out),
	    STUN_SRV_DROP_SOURCE);
	r.in.src = srv_addr6(1, 1000);
	r.in.src.ip[0] = 0xff;
	ck_assert_int_eq(stun_server_binding(&c, &r.in, &r.out),
	    STUN_SRV_DROP_SOURCE);
	r.in.src = srv_addr4(127, 0, 0, 1, 1000);
	ck_assert_int_eq(stun_server_binding(&c, &r.in, &r.out),
	    STUN_SRV_SEND);
	/* One-address mode: only (IP1,P1) exists. */
	srv_run(&r, &c, buf, len, STUN_SRV_AA, 0);
	ck_assert_int_eq(r.rv, STUN_SRV_DROP_SOURCE);
	srv_run(&r, &c, buf, len, 7, 0);
	ck_assert_int_eq(r.rv, STUN_SRV_DROP_SOURCE);
}
END_TEST

START_TEST(server_small_buffer_is_nospace)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;

	srv_conf(&c, 1, 0);
	srv_script_init(&s);
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	r.out.cap = 40;
	ck_assert_int_eq(stun_server_binding(&c, &r.in, &r.out),
	    STUN_SRV_DROP_NOSPACE);
}
END_TEST

START_TEST(server_ipv6_answers)
{
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;

	srv_conf(&c, 1, 1);
	srv_script_init(&s);
	s.change = STUN_CHANGE_IP | STUN_CHANGE_PORT;
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	ck_assert_int_eq(r.rv, STUN_SRV_SEND);
	ck_assert_int_eq(r.out.sock, STUN_SRV_AA);
	srv_assert_addr(&r.resp, STUN_ATTR_XOR_MAPPED_ADDRESS, &r.in.src);
	srv_assert_addr(&r.resp, STUN_ATTR_RESPONSE_ORIGIN, &c.local[3]);
	srv_assert_addr(&r.resp, STUN_ATTR_OTHER_ADDRESS, &c.local[3]);
	ck_assert_uint_eq(r.out.len, 92);
}
END_TEST

/*
 * The amplification table of stund.8: bytes out / bytes in for each
 * unauthenticated answer, from the smallest request that gets it.
 */
struct srv_amp {
	const char	*what;
	int		 two, v6, legacy, change, unknown, fp;
	size_t		 in, out;
};

static const struct srv_amp srv_amps[] = {
	{ "plain, one address, IPv4", 0, 0, 0, -1, 0, 0, 20, 32 },
	{ "plain, one address, IPv6", 0, 1, 0, -1, 0, 0, 20, 44 },
	{ "plain + FINGERPRINT, one address", 0, 0, 0, -1, 0, 1, 28, 40 },
	{ "plain, two addresses, IPv4", 1, 0, 0, -1, 0, 0, 20, 56 },
	{ "plain, two addresses, IPv6", 1, 1, 0, -1, 0, 0, 20, 92 },
	{ "CHANGE-REQUEST, two addresses", 1, 0, 0, 6, 0, 0, 28, 56 },
	{ "RFC 3489, one address", 0, 0, 1, -1, 0, 0, 20, 44 },
	{ "RFC 3489 + CHANGE-REQUEST, two addr.", 1, 0, 1, 6, 0, 0, 28, 56 },
	{ "420, unknown attribute", 0, 0, 0, -1, SRV_REQ_UNKNOWN, 0, 24, 36 },
	{ "420, CHANGE-REQUEST on one address", 0, 0, 0, 0, 0, 0, 28, 36 },
};

START_TEST(server_amplification_table)
{
	const struct srv_amp	*a = &srv_amps[_i];
	struct stun_server_conf	 c;
	struct srv_script	 s;
	struct srv_run		 r;

	srv_conf(&c, a->two, a->v6);
	srv_script_init(&s);
	s.legacy = a->legacy;
	s.cookie = 0x01020304;
	s.change = a->change;
	s.unknown = a->unknown;
	s.fp = a->fp;
	srv_simple(&r, &c, &s, STUN_SRV_PP, 0);
	ck_assert_int_eq(r.rv, STUN_SRV_SEND);
	ck_assert_uint_eq(r.in.len, a->in);
	ck_assert_uint_eq(r.out.len, a->out);
	if (getenv("STUND_AMP") != NULL)
		printf("%-40s %4zu %4zu %.2f\n", a->what, r.in.len, r.out.len,
		    (double)r.out.len / (double)r.in.len);
}
END_TEST

Suite *
suite_server(void)
{
	Suite	*s = suite_create("server");
	TCase	*tc;

	tc = tcase_create("plain");
	tcase_add_test(tc, server_plain_one_address_is_xor_mapped_only);
	tcase_add_loop_test(tc,
	    server_plain_two_address_adds_origin_and_other, 0, 4);
	tcase_add_test(tc, server_ipv6_answers);
	tcase_add_test(tc, server_software_only_when_configured);
	suite_add_tcase(s, tc);

	tc = tcase_create("rfc5780");
	tcase_add_loop_test(tc, server_change_request_two_address_picks_socket,
	    0, 16);
	tcase_add_loop_test(tc, server_change_request_one_address_is_420,
	    0, 4);
	tcase_add_loop_test(tc, server_response_port_changes_only_the_port,
	    0, 2);
	tcase_add_test(tc, server_response_port_zero_is_400);
	tcase_add_test(tc, server_padding_with_response_port_is_400);
	tcase_add_loop_test(tc, server_padding_never_larger_than_request,
	    0, 300);
	tcase_add_test(tc, server_stream_refuses_change_and_response_port);
	suite_add_tcase(s, tc);

	tc = tcase_create("rfc3489");
	tcase_add_loop_test(tc, server_legacy_two_address_echoes_cookie, 0, 4);
	tcase_add_test(tc, server_legacy_one_address_has_no_changed_address);
	tcase_add_loop_test(tc, server_response_address_is_never_honoured,
	    0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, server_unknown_required_attribute_is_420, 0, 2);
	tcase_add_test(tc, server_unknown_optional_attribute_is_ignored);
	tcase_add_test(tc, server_malformed_attribute_is_400);
	tcase_add_test(tc, server_change_request_bad_length_is_400);
	tcase_add_test(tc, server_not_stun_is_dropped);
	tcase_add_test(tc, server_only_binding_requests_are_answered);
	tcase_add_test(tc, server_bad_source_or_socket_is_dropped);
	tcase_add_test(tc, server_small_buffer_is_nospace);
	suite_add_tcase(s, tc);

	tc = tcase_create("fingerprint");
	tcase_add_loop_test(tc, server_fingerprint_is_echoed, 0, 2);
	tcase_add_test(tc, server_no_fingerprint_without_one);
	tcase_add_test(tc, server_bad_fingerprint_is_dropped);
	suite_add_tcase(s, tc);

	tc = tcase_create("amplification");
	tcase_add_loop_test(tc, server_amplification_table, 0,
	    (int)(sizeof(srv_amps) / sizeof(srv_amps[0])));
	suite_add_tcase(s, tc);
	return (s);
}
