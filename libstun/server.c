/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Binding requests -> responses for a STUN server on one address or on two
 * addresses x two ports (RFC 8489 6.3, RFC 5780 6.1, RFC 3489 legacy).  It
 * picks which local socket answers and to which address, and keeps every
 * answer to an unauthenticated request as small as the RFCs allow.
 */
#include <string.h>

#include "stun.h"
#include "server.h"

/* What a request asked for, gathered before anything is built. */
struct srv_req {
	uint32_t	change;		/* CHANGE-REQUEST flags */
	int		has_change;
	uint16_t	rport;		/* RESPONSE-PORT */
	int		has_rport;
	size_t		padlen;		/* PADDING value length */
	int		has_pad;
	int		fp;		/* request carried FINGERPRINT */
};

/* PADDING content; RFC 5780 7.6 wants about one MTU at most. */
static const uint8_t	srv_zeros[1472];

static int	srv_error(const struct stun_server_conf *,
		    const struct stun_server_in *, int, const uint16_t *,
		    size_t, int, struct stun_server_out *);

static int
srv_sock_ok(const struct stun_server_conf *c, int sock)
{
	if (sock < 0 || sock >= STUN_SRV_NSOCK)
		return (0);
	if (!c->two_addr && sock != STUN_SRV_PP)
		return (0);
	return (1);
}

/*
 * Never answer toward an address that is not one host: unspecified,
 * multicast, or IPv4 240/4 with the broadcast address in it.
 */
static int
srv_src_ok(const struct stun_addr *a)
{
	struct stun_addr	 c;
	int			 cls;

	if (a->family != STUN_AF_INET && a->family != STUN_AF_INET6)
		return (0);
	if (a->port == 0)
		return (0);
	cls = stun_addr_class(a);
	if (cls == STUN_ADDR_UNSPEC || cls == STUN_ADDR_MULTICAST)
		return (0);
	stun_addr_canon(a, &c);
	if (c.family == STUN_AF_INET && c.ip[0] >= 240)
		return (0);
	return (1);
}

/*
 * Builds the error answer: ERROR-CODE with an empty reason phrase (the
 * smallest answer; RFC 8489 14.8 only bounds its length), UNKNOWN-ATTRIBUTES
 * for 420, SOFTWARE when configured, FINGERPRINT when the request had one.
 */
static int
srv_error(const struct stun_server_conf *c, const struct stun_server_in *in,
    int code, const uint16_t *unknown, size_t nunknown, int fp,
    struct stun_server_out *out)
{
	struct stun_builder	 b;
	int			 n;

	stun_build_reply(&b, out->buf, out->cap, in->msg, STUN_CLASS_ERROR);
	stun_build_error(&b, code, "");
	if (code == 420 && nunknown > 0)
		stun_build_unknown(&b, unknown, nunknown);
	if (c->software != NULL)
		stun_build_string(&b, STUN_ATTR_SOFTWARE, c->software);
	if (fp)
		stun_build_fingerprint(&b);
	if ((n = stun_build_finish(&b)) < 0)
		return (STUN_SRV_DROP_NOSPACE);
	out->len = (size_t)n;
	out->sock = in->sock;
	out->dst = in->src;
	out->cls = STUN_CLASS_ERROR;
	out->code = code;
	return (STUN_SRV_SEND);
}

/*
 * Reads CHANGE-REQUEST, RESPONSE-PORT and PADDING.  Returns 0, or the error
 * code (400) to answer with.
 */
static int
srv_parse(const struct stun_server_in *in, struct srv_req *r)
{
	const struct stun_msg	*m = in->msg;
	const uint8_t		*pad;
	int			 rv;

	memset(r, 0, sizeof(*r));
	r->fp = (m->fp >= 0);
	rv = stun_msg_get_u32(m, STUN_ATTR_CHANGE_REQUEST, &r->change);
	if (rv == 0)
		r->has_change = 1;
	else if (rv != STUN_ERR_NOT_FOUND)
		return (400);
	rv = stun_msg_get_response_port(m, &r->rport);
	if (rv == 0)
		r->has_rport = 1;
	else if (rv != STUN_ERR_NOT_FOUND)
		return (400);
	rv = stun_msg_get_bytes(m, STUN_ATTR_PADDING, &pad, &r->padlen);
	if (rv == 0)
		r->has_pad = 1;
	else if (rv != STUN_ERR_NOT_FOUND)
		return (400);
	/* RFC 5780 6.1: PADDING with RESPONSE-PORT is a 400. */
	if (r->has_pad && r->has_rport)
		return (400);
	/* A stream has one path: nothing to change, no other port. */
	if (in->stream && r->has_rport)
		return (400);
	if (in->stream && (r->change & (STUN_CHANGE_IP | STUN_CHANGE_PORT)))
		return (400);
	if (r->has_rport && r->rport == 0)
		return (400);
	return (0);
}

/*
 * The success answer.  RFC 8489 clients get XOR-MAPPED-ADDRESS; RFC 3489
 * clients MAPPED-ADDRESS and SOURCE-ADDRESS.  Only a proven two-address
 * server adds RESPONSE-ORIGIN and OTHER-ADDRESS (CHANGED-ADDRESS for 3489).
 * PADDING is cut so the whole answer is never larger than the request.
 */
static int
srv_success(const struct stun_server_conf *c, const struct stun_server_in *in,
    const struct srv_req *r, int sock, struct stun_server_out *out)
{
	const struct stun_msg	*m = in->msg;
	struct stun_builder	 b;
	const struct stun_addr	*origin, *other;
	size_t			 tail, want, room;
	int			 n;

	origin = &c->local[sock];
	other = &c->local[in->sock ^ (STUN_SRV_AA)];
	stun_build_reply(&b, out->buf, out->cap, m, STUN_CLASS_SUCCESS);
	if (m->legacy) {
		stun_build_addr(&b, STUN_ATTR_MAPPED_ADDRESS, &in->src);
		stun_build_addr(&b, STUN_ATTR_SOURCE_ADDRESS, origin);
		if (c->two_addr)
			stun_build_addr(&b, STUN_ATTR_CHANGED_ADDRESS, other);
	} else {
		stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &in->src);
		if (c->two_addr) {
			stun_build_addr(&b, STUN_ATTR_RESPONSE_ORIGIN, origin);
			stun_build_addr(&b, STUN_ATTR_OTHER_ADDRESS, other);
		}
	}
	if (c->software != NULL)
		stun_build_string(&b, STUN_ATTR_SOFTWARE, c->software);
	if (r->has_pad && b.err == 0) {
		/* Bytes still to come: PADDING header, FINGERPRINT. */
		tail = 4 + (r->fp ? 8 : 0);
		want = r->padlen & ~(size_t)3;
		if (in->len >= b.len + tail) {
			room = (in->len - b.len - tail) & ~(size_t)3;
			if (want > room)
				want = room;
			if (want > sizeof(srv_zeros))
				want = sizeof(srv_zeros);
			stun_build_attr(&b, STUN_ATTR_PADDING, srv_zeros,
			    want);
		}
	}
	if (r->fp)
		stun_build_fingerprint(&b);
	if ((n = stun_build_finish(&b)) < 0)
		return (STUN_SRV_DROP_NOSPACE);
	out->len = (size_t)n;
	out->sock = sock;
	out->dst = in->src;
	if (r->has_rport)
		out->dst.port = r->rport;
	out->cls = STUN_CLASS_SUCCESS;
	out->code = 0;
	return (STUN_SRV_SEND);
}

int
stun_server_binding(const struct stun_server_conf *c,
    const struct stun_server_in *in, struct stun_server_out *out)
{
	const struct stun_msg	*m = in->msg;
	struct srv_req		 r;
	uint16_t		 unknown[STUN_MAX_UNKNOWN + 1];
	size_t			 nunknown, i;
	int			 code, sock;

	out->len = 0;
	/* RFC 8489 7.3: a bad FINGERPRINT means it is not for us. */
	if (in->derr == STUN_ERR_FINGERPRINT)
		return (STUN_SRV_DROP_FP);
	if (m == NULL || !m->hdr_ok)
		return (STUN_SRV_DROP_MALFORMED);
	if (m->cls != STUN_CLASS_REQUEST)
		return (STUN_SRV_DROP_CLASS);
	if (m->method != STUN_METHOD_BINDING)
		return (STUN_SRV_DROP_METHOD);
	if (!srv_src_ok(&in->src) || !srv_sock_ok(c, in->sock))
		return (STUN_SRV_DROP_SOURCE);
	if (out->buf == NULL || out->cap < STUN_HDR_LEN)
		return (STUN_SRV_DROP_NOSPACE);
	/* Malformed but with a usable header: RFC 8489 6.3 says 400. */
	if (in->derr != 0)
		return (srv_error(c, in, 400, NULL, 0, 0, out));
	/* RFC 8489 7.3: a bad FINGERPRINT means it is not for us. */
	if (m->fp >= 0 && stun_msg_check_fingerprint(m) != 0)
		return (STUN_SRV_DROP_FP);

	nunknown = 0;
	for (i = 0; i < m->nunknown && i < STUN_MAX_UNKNOWN; i++)
		unknown[nunknown++] = m->unknown[i];
	/*
	 * RFC 5780 6: a server without an alternate address and port MUST
	 * answer any request carrying CHANGE-REQUEST with 420, whatever the
	 * flags say.
	 */
	if (!c->two_addr &&
	    stun_msg_find(m, STUN_ATTR_CHANGE_REQUEST) != NULL)
		unknown[nunknown++] = STUN_ATTR_CHANGE_REQUEST;
	if (nunknown > 0)
		return (srv_error(c, in, 420, unknown, nunknown, m->fp >= 0,
		    out));

	if ((code = srv_parse(in, &r)) != 0)
		return (srv_error(c, in, code, NULL, 0, r.fp, out));
	sock = in->sock;
	if (r.change & STUN_CHANGE_IP)
		sock ^= 2;
	if (r.change & STUN_CHANGE_PORT)
		sock ^= 1;
	return (srv_success(c, in, &r, sock, out));
}

int
stun_server_reject(const struct stun_server_conf *c,
    const struct stun_server_in *in, int code, struct stun_server_out *out)
{
	const struct stun_msg	*m = in->msg;

	out->len = 0;
	/* RFC 8489 7.3: a bad FINGERPRINT means it is not for us. */
	if (in->derr == STUN_ERR_FINGERPRINT)
		return (STUN_SRV_DROP_FP);
	if (m == NULL || !m->hdr_ok)
		return (STUN_SRV_DROP_MALFORMED);
	if (m->cls != STUN_CLASS_REQUEST)
		return (STUN_SRV_DROP_CLASS);
	if (!srv_src_ok(&in->src) || !srv_sock_ok(c, in->sock))
		return (STUN_SRV_DROP_SOURCE);
	if (code < 300 || code > 699 || out->buf == NULL ||
	    out->cap < STUN_HDR_LEN)
		return (STUN_SRV_DROP_NOSPACE);
	if (in->derr == 0 && m->fp >= 0 &&
	    stun_msg_check_fingerprint(m) != 0)
		return (STUN_SRV_DROP_FP);
	return (srv_error(c, in, code, NULL, 0,
	    in->derr == 0 && m->fp >= 0, out));
}

const char *
stun_server_drop_name(int res)
{
	switch (res) {
	case STUN_SRV_SEND:
		return ("none");
	case STUN_SRV_DROP_CLASS:
		return ("class");
	case STUN_SRV_DROP_FP:
		return ("fingerprint");
	case STUN_SRV_DROP_MALFORMED:
		return ("malformed");
	case STUN_SRV_DROP_METHOD:
		return ("method");
	case STUN_SRV_DROP_SOURCE:
		return ("source");
	case STUN_SRV_DROP_NOSPACE:
		return ("nospace");
	}
	return ("unknown");
}
