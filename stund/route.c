/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund's one packet route for every transport: route_packet() decides
 * between the per-source limit, ChannelData, the rendezvous, TURN and
 * Binding through one table per transport, filled once by route_init()
 * (OpenSSH fills its dispatch table once per protocol the same way).  It
 * decodes each message once and reads wire bytes only through libstun.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <libstun/rdv.h>

#include "ratelimit.h"
#include "rdvio.h"
#include "relay.h"
#include "relayio.h"
#include "route.h"
#include "stund.h"

/*
 * libstun's server knows one 2x2 set: a packet on a socket of the second
 * (IPv6) set is handed over with its index in that set, and the answer's
 * socket is moved back.  code 0: Binding; else an error answer.
 */
static int
route_server(const struct route *rt, struct route_pkt *pkt, int code)
{
	const struct stun_server_conf	*sc = rt->sc;
	int				 base, rv;

	base = STUND_SET_BASE(pkt->in.sock);
	if (base != 0) {
		sc = rt->sc6;
		pkt->in.sock -= base;
	}
	rv = code == 0 ? stun_server_binding(sc, &pkt->in, &pkt->out) :
	    stun_server_reject(sc, &pkt->in, code, &pkt->out);
	pkt->in.sock += base;
	if (rv != STUN_SRV_SEND) {
		pkt->drop = counters_drop_reason(rv);
		return (ROUTE_DROP);
	}
	pkt->out.sock += base;
	return (ROUTE_SEND);
}

/* RFC 8489 6.3.1: a method this transport does not serve gets 400. */
static int
route_reject(const struct route *rt, struct route_pkt *pkt)
{
	return (route_server(rt, pkt, 400));
}

/* The fast path: no lock, no allocation, the answer in pkt->out. */
static int
route_binding(const struct route *rt, struct route_pkt *pkt)
{
	return (route_server(rt, pkt, 0));
}

/* Where the relay answers the client of this packet. */
static void
route_client(const struct route *rt, const struct route_pkt *pkt,
    struct relay_client *cl)
{
	memset(cl, 0, sizeof(*cl));
	cl->addr = pkt->in.src;
	cl->sock = pkt->in.sock;
	cl->conn = (uint64_t)(uintptr_t)rt->conn;
}

/*
 * A TURN request or indication: the relay answers it through its own
 * sockets.  A malformed one is answered like any other method.
 */
static int
route_turn(const struct route *rt, struct route_pkt *pkt)
{
	struct relay_client	 cl;
	struct relay		*r;
	int			 rc;

	if (pkt->in.derr != 0 || (r = relayio_enter(rt->w, rt->c)) == NULL)
		return (route_reject(rt, pkt));
	route_client(rt, pkt, &cl);
	rc = relay_input(r, &cl, pkt->m, pkt->now);
	relayio_leave(rt->w);
	return (rc == 1 ? ROUTE_DONE : route_reject(rt, pkt));
}

/* ChannelData: relayed, never answered (drops are the relay's counters). */
static int
route_chdata(const struct route *rt, struct route_pkt *pkt)
{
	struct relay_client	 cl;
	struct relay		*r;

	if ((r = relayio_enter(rt->w, rt->c)) == NULL) {
		pkt->drop = DROP_NOT_STUN;
		return (ROUTE_DROP);
	}
	route_client(rt, pkt, &cl);
	(void)relay_chdata_input(r, &cl, pkt->buf, pkt->len, pkt->now);
	relayio_leave(rt->w);
	return (ROUTE_DONE);
}

/* A stream frame that is ChannelData while there is no relay. */
static int
route_bad_frame(const struct route *rt, struct route_pkt *pkt)
{
	(void)rt;
	pkt->drop = DROP_TCP_FRAME;
	return (ROUTE_DROP);
}

/* The rendezvous: the room table answers, under its own mutex. */
static int
route_rdv(const struct route *rt, struct route_pkt *pkt)
{
	/* RFC 3489 messages are not the extension's. */
	if (!stun_rdv_is_rdv(pkt->m))
		return (route_reject(rt, pkt));
	if (pkt->in.derr != 0) {
		pkt->drop = DROP_MALFORMED;
		return (ROUTE_DROP);
	}
	rdvio_input(rt, pkt);
	return (ROUTE_DONE);
}

static void
route_set(struct route_table *t, unsigned row, route_fn fn, int flags)
{
	t->row[row].fn = fn;
	t->row[row].flags = flags;
}

/* Rows every transport shares: Binding, and TURN when it is served. */
static void
route_init_common(struct route_table *t, const struct stund *sd)
{
	unsigned	 i;

	for (i = 0; i < ROUTE_NROWS; i++)
		route_set(t, i, route_reject, 0);
	route_set(t, STUN_METHOD_BINDING, route_binding, 0);
	if (sd->workers[0].rio == NULL)
		return;
	route_set(t, STUN_METHOD_ALLOCATE, route_turn, 0);
	route_set(t, STUN_METHOD_REFRESH, route_turn, 0);
	route_set(t, STUN_METHOD_SEND, route_turn, ROUTE_IND_FREE);
	route_set(t, STUN_METHOD_DATA, route_turn, 0);
	route_set(t, STUN_METHOD_CREATE_PERMISSION, route_turn, 0);
	route_set(t, STUN_METHOD_CHANNEL_BIND, route_turn, 0);
	route_set(t, ROUTE_CHDATA, route_chdata, ROUTE_RAW);
}

static void
route_init_rdv(struct route_table *t, const struct stund *sd)
{
	unsigned	 m;

	if (sd->rooms == NULL)
		return;
	for (m = STUN_RDV_REGISTER; m <= STUN_RDV_RESYNC; m++)
		route_set(t, m, route_rdv, 0);
}

void
route_init(struct stund *sd)
{
	route_init_common(&sd->route_udp, sd);
	route_init_rdv(&sd->route_udp, sd);

	/*
	 * Streams: ChannelData without a relay is a framing error.  The
	 * rendezvous is the same over TCP and TLS; its members are told
	 * through their connections (rdvio.c).
	 */
	route_init_common(&sd->route_stream, sd);
	route_init_rdv(&sd->route_stream, sd);
	if (sd->workers[0].rio == NULL)
		route_set(&sd->route_stream, ROUTE_CHDATA, route_bad_frame,
		    ROUTE_RAW);
}

int
route_packet(const struct route *rt, struct route_pkt *pkt)
{
	const struct route_row	*row;
	struct counters		*cnt = rt->cnt;
	uint16_t		 method;
	uint8_t			 cls;
	int			 kind, rv, meth;

	CNT_ADD(&cnt->rx_bytes, pkt->len);
	kind = stun_msg_peek(pkt->buf, pkt->len, &method, &cls);
	if (kind == STUN_FRAME_CHANNEL)
		row = &rt->t->row[ROUTE_CHDATA];
	else if (kind == STUN_FRAME_STUN && method < ROUTE_METHODS)
		row = &rt->t->row[method];
	else
		row = &rt->t->row[0];
	if (row->flags & ROUTE_RAW) {
		rv = row->fn(rt, pkt);
		goto out;
	}
	/*
	 * Relayed data is never answered, so it skips the per-source limit
	 * that guards the answers.
	 */
	if (rt->rl != NULL && !((row->flags & ROUTE_IND_FREE) &&
	    cls == STUN_CLASS_INDICATION) &&
	    !ratelimit_allow(rt->rl, &pkt->in.src, pkt->now)) {
		pkt->drop = DROP_RATELIMIT;
		rv = ROUTE_DROP;
		goto out;
	}
	pkt->in.derr = stun_msg_decode(pkt->m, pkt->buf, pkt->len);
	if (!pkt->m->hdr_ok) {
		pkt->drop = pkt->in.derr == STUN_ERR_FINGERPRINT ?
		    DROP_FINGERPRINT : DROP_NOT_STUN;
		rv = ROUTE_DROP;
		goto out;
	}
	pkt->in.msg = pkt->m;
	pkt->in.len = pkt->len;
	meth = pkt->m->method == STUN_METHOD_BINDING ? CNT_METH_BINDING :
	    CNT_METH_OTHER;
	CNT_ADD(&cnt->in_pkts[meth][pkt->m->cls & 3], 1);
	CNT_ADD(&cnt->in_bytes[meth][pkt->m->cls & 3], pkt->len);
	if ((rv = row->fn(rt, pkt)) == ROUTE_SEND)
		counters_count_out(cnt, meth, pkt->out.cls, pkt->out.code,
		    pkt->out.len);
out:
	if (rv == ROUTE_DROP)
		CNT_ADD(&cnt->drops[pkt->drop], 1);
	return (rv);
}
