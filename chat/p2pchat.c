/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat: end-to-end encrypted chat straight from peer to peer through
 * NATs.  This file is the thin libevent layer and the one router: one UDP
 * socket for the rendezvous, the relay, the punching and the chat, stdin,
 * and chat_pump(), which drains the I/O-free machines (the rendezvous
 * client, the TURN relay, the room, the ending) and hands each action on.
 * The machines only change state when fed; nothing calls back into this
 * file.  lines.c takes the lines typed; the front end (batch.c, ui.c)
 * chosen at start-up shows the events.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/sock.h"
#include "libstun/rdv.h"
#include "libstun/turn.h"
#include "chat/crypto.h"
#include "chat/end.h"
#include "chat/room.h"
#include "chat/p2pchat.h"
#include "chat/relay.h"
#include "chat/natlearn.h"
#include "chat/hnsock.h"
#include "chat/ctx.h"
#include "chat/srv.h"
#include "chat/tcppunch.h"
#include "chat/udpio.h"
#include "chat/xfer.h"

#define CHAT_RECV_TURN		64	/* datagrams per turn of the router */
#define CHAT_PUMP_MAX		4096	/* actions per machine and round */
#define CHAT_PUMP_ROUNDS	16	/* rounds per wake-up */
#define CHAT_RDV_REFRESH	10000	/* ms between Registers for a path
					   gone unanswered */

void
chat_emit(struct chat_ctx *ctx, struct chat_event *e)
{
	e->ms = clock_ms() - ctx->start;
	ctx->fe->event(e);
}

/* Stop with exit status 1 and this message. */
static void __attribute__((__format__(printf, 2, 3)))
chat_fail(struct chat_ctx *ctx, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(ctx->err, sizeof(ctx->err), fmt, ap);
	va_end(ap);
	chat_end_stop(&ctx->end, 1);
}

static void
chat_log_pkt(const char *what, const struct stun_addr *a, const uint8_t *buf,
    size_t len)
{
	char	addr[64];

	if (stun_addr_format(a, addr, sizeof(addr)) != 0)
		addr[0] = '\0';
	log_debug("%s %s 0x%02x %zu bytes", what, addr, buf[0], len);
}

/* What the router sent in one turn leaves together (udpio.c). */
static void
chat_send_flush(struct chat_ctx *ctx)
{
	chat_udpio_flush(ctx->fd);
}

/* To a peer or a server in role (CHAT_SRV_RDV, CHAT_SRV_RELAY). */
static void
chat_send(struct chat_ctx *ctx, int role, const struct stun_addr *to,
    const uint8_t *buf, size_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;

	if (log_getlevel() >= LOG_LEVEL_DEBUG && len > 0)
		chat_log_pkt("send", to, buf, len);
	/* A server reached over TCP or TLS: its stream takes it. */
	if (chat_srv_send(ctx, role, to, buf, len, clock_ms()))
		return;
	sl = sock_from_stun(to, &ss);
	/*
	 * Not in GSO runs to the TURN server: its socket would cut each run
	 * again, a copy of every datagram on its CPU.
	 */
	chat_udpio_send(ctx->fd, &ss, sl, buf, len, role != CHAT_SRV_RELAY);
}

static void
chat_sendto(struct chat_ctx *ctx, const struct stun_addr *to,
    const uint8_t *buf, size_t len)
{
	chat_send(ctx, CHAT_SRV_RDV, to, buf, len);
}

void
chat_quit(struct chat_ctx *ctx)
{
	/* Started without a room (--web) and none entered: nothing to leave. */
	if (ctx->code[0] == '\0')
		chat_end_stop(&ctx->end, 0);
	else
		chat_end_signal(&ctx->end, clock_ms());
}

void
chat_poke(struct chat_ctx *ctx)
{
	event_active(ctx->ev_timer, EV_TIMEOUT, 0);
}

/* A datagram for the room; a chat message tells someone still talks. */
static void
chat_to_room(struct chat_ctx *ctx, unsigned sock,
    const struct stun_addr *from, const uint8_t *buf, size_t len,
    uint64_t now)
{
	if (chat_room_input(&ctx->room, sock, from, buf, len, now) == 0 &&
	    buf[0] == CHAT_PKT_DATA)
		chat_end_rx(&ctx->end, now);
}

/*
 * The rendezvous client.  Every stun_rdv_* call is in this section.
 */

/*
 * The relayed address becomes a candidate: ours to pair, theirs to know.
 * Allocated again, it takes the old one's place in both.
 */
static void
chat_rdv_relayed(struct chat_ctx *ctx, uint64_t now)
{
	struct stun_rdv_config	*rc = &ctx->rc;
	struct stun_punch_cand	 pc;
	unsigned		 i;

	for (i = 0; i < rc->ncand && rc->cand[i].kind != STUN_RDV_CAND_RELAY;
	    i++)
		;
	if (i == rc->ncand)
		i = rc->ncand < STUN_RDV_MAX_CANDS ? rc->ncand++ :
		    STUN_RDV_MAX_CANDS - 1;
	rc->cand[i].kind = STUN_RDV_CAND_RELAY;
	rc->cand[i].addr = ctx->relay.relayed;
	memset(&pc, 0, sizeof(pc));
	pc.type = STUN_CAND_RELAY;
	pc.sock = CHAT_SOCK_RELAY;
	pc.addr = ctx->relay.relayed;
	(void)chat_room_relay(&ctx->room, &pc, now);
}

/*
 * Register again with the candidates as they are now.  The server knows
 * a member again by its member token, keeps its id and tells the others
 * the new candidates (STUN_RDV_EV_MOVE).
 */
static int
chat_rdv_reregister(struct chat_ctx *ctx, uint64_t now)
{
	return (stun_rdv_client_set_cands(&ctx->rdv, ctx->rc.cand,
	    ctx->rc.ncand, now) == 0 ? 0 : -1);
}

/*
 * Register in the room, with the relayed candidate when there is one:
 * gathered before the first peer, so that the first message never waits
 * for a failed punch.  Again once a relay allocated late (from the
 * rendezvous server's credential, or allocated anew) is up.
 */
static void
chat_rdv_register(struct chat_ctx *ctx, uint64_t now)
{
	if (ctx->registering) {
		if (!chat_relay_up(&ctx->relay))
			return;
		chat_rdv_relayed(ctx, now);
		if (chat_rdv_reregister(ctx, now) != 0)
			log_warnx("cannot announce the relayed address");
		return;
	}
	ctx->registering = 1;
	if (chat_relay_up(&ctx->relay))
		chat_rdv_relayed(ctx, now);
	if (stun_rdv_client_init(&ctx->rdv, &ctx->rc) != 0 ||
	    stun_rdv_client_start(&ctx->rdv, now) != 0)
		chat_fail(ctx, "cannot register");
}

static void
chat_rdv_input(struct chat_ctx *ctx, const struct stun_addr *from,
    const uint8_t *buf, size_t len, uint64_t now)
{
	if (!ctx->registering)
		return;
	(void)stun_rdv_client_input(&ctx->rdv, from, buf, len, now);
	/* Registered (again): a stream left for UDP has done its part. */
	if (ctx->rdv.state == STUN_RDV_S_JOINED)
		chat_srv_settled(ctx, CHAT_SRV_RDV, &ctx->server);
}

static void
chat_rdv_timer(struct chat_ctx *ctx, uint64_t now)
{
	if (ctx->registering)
		stun_rdv_client_timer(&ctx->rdv, now);
}

/* Send the Leave: 0, or -1 when there is nothing to leave. */
static int
chat_rdv_leave(struct chat_ctx *ctx, uint64_t now)
{
	if (!ctx->registering || !ctx->end.joined)
		return (-1);
	return (stun_rdv_client_leave(&ctx->rdv, now) == 0 ? 0 : -1);
}

static void
chat_rdv_action(struct chat_ctx *ctx, const struct stun_rdv_action *a,
    uint64_t now)
{
	struct chat_event	e;
	char			buf[64];

	memset(&e, 0, sizeof(e));
	switch (a->kind) {
	case STUN_RDV_A_SEND:
		/* The server in use: another of the fleet after a failover. */
		if (!stun_addr_equal(&ctx->server, &a->to)) {
			if (stun_addr_format(&a->to, buf, sizeof(buf)) == 0)
				log_warnx("rendezvous server now %s", buf);
			ctx->server = a->to;
		}
		chat_sendto(ctx, &a->to, a->buf, a->len);
		break;
	case STUN_RDV_A_JOINED:
		if (ctx->end.joined && a->member_id != ctx->self_id) {
			/* Pair keys and roles hang on the id: start over. */
			log_warnx("registered again as member %u",
			    a->member_id);
			ctx->self_id = a->member_id;
			chat_room_reset(&ctx->room, "we registered again");
		}
		if (chat_relay_offered(&ctx->relay, &ctx->server,
		    a->relay_user, a->relay_pass, now))
			log_debug("relay offered by the server, user %s",
			    a->relay_user);
		if (!ctx->end.joined) {
			chat_end_joined(&ctx->end);
			ctx->self_id = a->member_id;
			e.kind = EV_REGISTERED;
			e.peer_id = a->member_id;
			e.addr = a->mapped;
			e.nat = chat_local_addr(ctx, &a->mapped, &e.addr2);
			e.transport = chat_srv_transport(ctx, CHAT_SRV_RDV,
			    &ctx->server);
			/* A TCP mapping says nothing of our UDP socket's. */
			if (strcmp(e.transport, "udp") != 0)
				e.nat = -1;
			chat_emit(ctx, &e);
			if (stun_addr_format(&a->mapped, buf,
			    sizeof(buf)) == 0)
				log_debug("member %u, mapped %s",
				    a->member_id, buf);
		}
		break;
	case STUN_RDV_A_MEMBERS:
		chat_room_members(&ctx->room, ctx->self_id, a->members,
		    a->nmembers, a->event, a->event_member, now);
		break;
	case STUN_RDV_A_GO:
		/*
		 * A go for a member we have not heard of: the Members
		 * indication naming it was lost.  Register again (at most
		 * once a second) for the list; the room keeps the go.
		 */
		if (chat_room_go(&ctx->room, a->peer_id, a->go_at) ==
		    STUN_ERR_STATE && now >= ctx->relist_at + 1000) {
			ctx->relist_at = now;
			if (chat_rdv_reregister(ctx, now) != 0)
				log_warnx("cannot ask for the member list");
		}
		break;
	case STUN_RDV_A_DONE:
		chat_end_stop(&ctx->end, 0);
		break;
	case STUN_RDV_A_SERVER:
		/*
		 * Existing paths go on; the machine registers again, with
		 * backoff, for as long as we live.  Our relay may have
		 * restarted with it: check the allocation now.  Not lost
		 * when only a move back to UDP failed: the stream it left
		 * takes over (chat_srv_lost() registers there and checks
		 * the relay), and the machine's "back" that the
		 * registration brings goes unsaid as well.
		 */
		if (!a->server_up &&
		    chat_srv_lost(ctx, CHAT_SRV_RDV, &ctx->server)) {
			ctx->server_hushed = 1;
			break;
		}
		if (a->server_up && ctx->server_hushed) {
			ctx->server_hushed = 0;
			break;
		}
		ctx->server_hushed = 0;
		ctx->server_down = !a->server_up;
		if (a->server_up)
			log_info("the rendezvous server is back");
		else
			log_warnx("the rendezvous server is unreachable; "
			    "retrying");
		chat_relay_check(&ctx->relay, now);
		e.kind = EV_SERVER;
		e.up = a->server_up;
		e.transport = chat_srv_transport(ctx, CHAT_SRV_RDV,
		    &ctx->server);
		chat_emit(ctx, &e);
		break;
	case STUN_RDV_A_FAILED:
		if (!ctx->end.joined) {
			chat_fail(ctx, "%s: %s", ctx->server_arg,
			    a->code != 0 ? stun_reason_phrase(a->code) :
			    a->err == STUN_ERR_TIMEOUT ?
			    "no answer from the rendezvous server" :
			    stun_strerror(a->err));
			break;
		}
		/* The peers we have go on: only the user ends the chat. */
		if (ctx->end.leaving)
			chat_end_stop(&ctx->end, 0);
		else
			log_warnx("lost the rendezvous server: %s",
			    stun_strerror(a->err));
		break;
	}
}

/*
 * Registered again with the same id (a 437, a keepalive that timed out,
 * the server back): the member id and so every pair stay as they are,
 * but a restarted server has a new relay credential and forgot our
 * allocation.  Take the credential and check the allocation.
 */
static void
chat_rdv_again(struct chat_ctx *ctx, uint64_t now)
{
	const struct stun_rdv_client	*rc = &ctx->rdv;

	if (rc->state != STUN_RDV_S_JOINED || !ctx->end.joined ||
	    rc->reregisters == ctx->rdv_regs)
		return;
	ctx->rdv_regs = rc->reregisters;
	log_debug("registered again as member %u", rc->member_id);
	(void)chat_relay_offered(&ctx->relay, &ctx->server, rc->relay_user,
	    rc->relay_pass, now);
	chat_relay_check(&ctx->relay, now);
}

/* Drain the rendezvous client: the actions handed on, *wake its next. */
static unsigned
chat_pump_rdv(struct chat_ctx *ctx, uint64_t now, uint64_t *wake)
{
	struct stun_rdv_action	a;
	unsigned		k;

	*wake = 0;
	if (!ctx->registering)
		return (0);
	for (k = 0; k < CHAT_PUMP_MAX; k++) {
		stun_rdv_client_next(&ctx->rdv, &a);
		if (a.kind == STUN_RDV_A_WAIT) {
			*wake = a.wake;
			chat_rdv_again(ctx, now);
			return (k);
		}
		chat_rdv_action(ctx, &a, now);
	}
	*wake = now + 1;
	return (k);
}

/*
 * The NAT test of the start: its essentials go to the rendezvous (and
 * from there to the room) once it is over.
 */

static void
chat_nat_poke(void *arg)
{
	chat_poke(arg);
}

static void
chat_nat_begin(struct chat_ctx *ctx)
{
	/* Relay only, or no address to test from: nothing to learn. */
	if (ctx->force_relay || ctx->rc.ncand == 0)
		return;
	/* Unknown until the test says: the server sends us the others'. */
	ctx->rc.has_nat = 1;
	ctx->natlearn = chat_natlearn_start(ctx->base, &ctx->server,
	    &ctx->rc.cand[0].addr, chat_nat_poke, ctx);
}

static unsigned
chat_pump_nat(struct chat_ctx *ctx, uint64_t now)
{
	struct stun_hardnat_ess	 ess;
	struct chat_event	 e;
	uint64_t		 ms;

	if (!chat_natlearn_done(ctx->natlearn, &ess, &ms))
		return (0);
	chat_natlearn_free(ctx->natlearn);
	ctx->natlearn = NULL;
	ctx->rc.nat = ess;
	if (ctx->code[0] != '\0')
		chat_room_nat(&ctx->room, &ess, now);
	if (ctx->registering &&
	    stun_rdv_client_set_nat(&ctx->rdv, &ess, now) != 0)
		log_warnx("cannot announce our NAT essentials");
	memset(&e, 0, sizeof(e));
	e.kind = EV_NAT;
	e.ess = &ess;
	e.rtt = (uint32_t)ms;
	chat_emit(ctx, &e);
	return (1);
}

/*
 * The relay, the room and the ending.
 */

static void
chat_on_relay(struct chat_ctx *ctx, const struct chat_relay_action *a,
    uint64_t now)
{
	struct chat_event	e;
	char			buf[64];

	memset(&e, 0, sizeof(e));
	e.kind = EV_RELAY;
	e.addr2 = a->server;
	e.transport = chat_srv_transport(ctx, CHAT_SRV_RELAY, &a->server);
	switch (a->kind) {
	case CHAT_RELAY_A_SEND:
		chat_send(ctx, CHAT_SRV_RELAY, &a->to, a->buf, a->len);
		return;
	case CHAT_RELAY_A_UP:
		e.addr = a->relayed;
		chat_emit(ctx, &e);
		chat_rdv_register(ctx, now);
		return;
	case CHAT_RELAY_A_DATA:
		chat_to_room(ctx, CHAT_SOCK_RELAY, &a->peer, a->buf, a->len,
		    now);
		return;
	case CHAT_RELAY_A_DENIED:
		log_debug("relay: refused for a peer: %s", a->reason);
		return;
	case CHAT_RELAY_A_LOST:
		e.reason = a->reason;
		chat_emit(ctx, &e);
		log_warnx(a->again ? "relay lost: %s; allocating again" :
		    "relay lost: %s", a->reason);
		return;
	case CHAT_RELAY_A_NONE:
		chat_fail(ctx, "%s offers no relay: give --relay",
		    ctx->server_arg);
		return;
	case CHAT_RELAY_A_FAILED:
		if (a->shown) {
			e.reason = a->reason;
			chat_emit(ctx, &e);
		}
		if (a->offered)
			log_warnx("relay offered by the server: %s",
			    a->reason);
		if (a->fatal) {
			if (stun_addr_format(&a->server, buf,
			    sizeof(buf)) != 0)
				buf[0] = '\0';
			chat_fail(ctx, "relay %s: %s", buf, a->reason);
			return;
		}
		if (!a->offered)
			log_warnx("no relay: %s", a->reason);
		chat_rdv_register(ctx, now);	/* without it */
		return;
	}
}

static unsigned
chat_pump_relay(struct chat_ctx *ctx, uint64_t now, uint64_t *wake)
{
	struct chat_relay_action	a;
	unsigned			k;

	for (k = 0; k < CHAT_PUMP_MAX; k++) {
		chat_relay_next(&ctx->relay, now, &a);
		if (a.kind == CHAT_RELAY_A_WAIT) {
			*wake = a.wake;
			return (k);
		}
		chat_on_relay(ctx, &a, now);
	}
	*wake = now + 1;
	return (k);
}

static void
chat_peer_event(struct chat_ctx *ctx, struct chat_peer *p,
    const struct chat_peer_action *pa, uint64_t now)
{
	struct chat_event	e;
	unsigned		base;
	int			n;

	memset(&e, 0, sizeof(e));
	e.peer = p->name;
	e.peer_id = p->id;
	e.id = pa->id;
	e.reason = pa->reason;
	switch (pa->kind) {
	case CHAT_PEER_A_SEND:
		if (pa->sock == CHAT_SOCK_TCP) {
			if (!ctx->force_relay)
				chat_tcp_send(ctx, &pa->to, pa->buf, pa->len);
			return;
		}
		if (pa->sock >= CHAT_PEER_SOCK_EXTRA) {
			if (!ctx->force_relay)
				(void)chat_hnsock_send(ctx, pa->sock, &pa->to,
				    pa->buf, pa->len);
			return;
		}
		if (pa->sock != CHAT_SOCK_RELAY) {
			if (!ctx->force_relay)
				chat_sendto(ctx, &pa->to, pa->buf, pa->len);
			return;
		}
		/* A permission request may follow, out of the relay. */
		n = chat_relay_wrap(&ctx->relay, &pa->to, pa->buf, pa->len,
		    now);
		if (n < 0)
			log_debug("relay: cannot wrap: %s", stun_strerror(n));
		else
			chat_send(ctx, CHAT_SRV_RELAY, &ctx->relay.server,
			    ctx->relay.out, (size_t)n);
		return;
	case CHAT_PEER_A_PATH:
		e.kind = EV_PATH;
		e.path_kind = p->path.kind;
		chat_path_addr(ctx, &p->path, &e.addr);
		e.addr2 = p->path.addr;
		if (p->path.sock == CHAT_SOCK_RELAY)
			chat_relay_path(&ctx->relay, &p->path.addr, now);
		e.transport = chat_path_transport(ctx, &p->path);
		e.local_type = stun_punch_cand_name(p->path.local_type);
		e.remote_type = stun_punch_cand_name(p->path.remote_type);
		e.rtt = p->path.rtt;
		if (p->hn_planned) {
			e.hard_nat = stun_hardnat_plan_name(p->hn.p.kind);
			e.probes = p->hn.probes;
			e.probe_ms = chat_peer_hn_ms(p, now);
		}
		break;
	case CHAT_PEER_A_HN_OPEN:
		/* Relay only: nothing direct, no sockets for it. */
		base = 0;
		n = ctx->force_relay ? 0 : (int)chat_hnsock_open(ctx, p->id,
		    pa->id, pa->to.port, &base);
		chat_peer_hn_opened(p, base, (unsigned)n, now);
		return;
	case CHAT_PEER_A_HN_CLOSE:
		chat_hnsock_close(ctx, p->id, pa->sock);
		return;
	case CHAT_PEER_A_UP:
		e.kind = EV_JOINED;
		chat_end_progress(&ctx->end, now);
		chat_emit(ctx, &e);
		chat_xfer_up(ctx, p, now);
		return;
	case CHAT_PEER_A_RECORD:
		chat_xfer_record(ctx, p, pa->buf, pa->len, now);
		return;
	case CHAT_PEER_A_BULK_FAILED:
		chat_xfer_gone(ctx, p->id, "no progress");
		return;
	case CHAT_PEER_A_MESSAGE:
		e.kind = EV_MESSAGE;
		chat_end_rx(&ctx->end, now);
		e.text = pa->buf;
		e.len = pa->len;
		break;
	case CHAT_PEER_A_DELIVERED:
		e.kind = EV_DELIVERED;
		e.reason = NULL;
		(void)chat_sent_take(ctx, p->id, pa->id, &e.len, &e.line);
		e.len = 0;
		chat_end_progress(&ctx->end, now);
		break;
	case CHAT_PEER_A_UNDELIVERED:
		e.kind = EV_UNDELIVERED;
		e.text = chat_sent_take(ctx, p->id, pa->id, &e.len,
		    &e.line);
		chat_end_progress(&ctx->end, now);
		break;
	case CHAT_PEER_A_FAILED:
		e.kind = EV_FAILED;
		chat_xfer_gone(ctx, p->id, pa->reason);
		break;
	case CHAT_PEER_A_LOST:
		/* Our relay may be what died: ask it now. */
		log_info("path to %s stopped answering; looking again",
		    p->name);
		if (pa->sock == CHAT_SOCK_RELAY)
			chat_relay_check(&ctx->relay, now);
		return;
	default:
		return;
	}
	chat_emit(ctx, &e);
}

/*
 * A path gone unanswered may mean that our NAT mapped us anew: register
 * again (at most every CHAT_RDV_REFRESH ms), so that the server sees our
 * new address and tells the room, whose members then check it.
 */
static void
chat_rdv_stale(struct chat_ctx *ctx, uint64_t now)
{
	struct chat_peer	*p;
	unsigned		 i;

	if (!ctx->registering || !ctx->end.joined || ctx->end.leaving ||
	    now < ctx->refresh_at)
		return;
	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++) {
		if ((p = chat_room_peer(&ctx->room, i)) == NULL ||
		    !chat_peer_stale(p, now))
			continue;
		ctx->refresh_at = now + CHAT_RDV_REFRESH;
		log_debug("path to %s unanswered: registering again",
		    p->name);
		if (chat_rdv_reregister(ctx, now) != 0)
			log_debug("cannot register again now");
		return;
	}
}

static unsigned
chat_pump_room(struct chat_ctx *ctx, uint64_t now, uint64_t *wake)
{
	struct chat_room_action	 a;
	struct chat_event	 e;
	unsigned		 k;

	for (k = 0; k < CHAT_PUMP_MAX; k++) {
		chat_room_next(&ctx->room, now, &a);
		if (a.kind == CHAT_ROOM_A_WAIT) {
			*wake = a.wake;
			return (k);
		}
		if (a.kind == CHAT_ROOM_A_PEER) {
			chat_peer_event(ctx, a.peer, &a.pa, now);
			continue;
		}
		memset(&e, 0, sizeof(e));
		if (a.kind == CHAT_ROOM_A_MEMBER) {
			e.kind = EV_MEMBER;
			e.peer = a.peer->name;
			e.peer_id = a.peer->id;
		} else {
			e.kind = EV_LEFT;
			e.peer = a.name;
			e.peer_id = a.id;
			e.reason = a.reason;
			chat_sent_forget(ctx, a.id);
			chat_xfer_gone(ctx, a.id, a.reason);
		}
		chat_emit(ctx, &e);
	}
	*wake = now + 1;
	return (k);
}

/* Hand buffered input to the front end as far as the peers take it. */
static void
chat_input_drain(struct chat_ctx *ctx, uint64_t now)
{
	size_t	used;
	int	eof = !chat_end_reading(&ctx->end);

	if (ctx->inlen > 0) {
		used = ctx->fe->input(ctx, ctx->inbuf, ctx->inlen, eof);
		memmove(ctx->inbuf, ctx->inbuf + used, ctx->inlen - used);
		ctx->inlen -= used;
	}
	if (eof && ctx->inlen == 0)
		chat_end_quit(&ctx->end, now);
}

static void
chat_on_end(struct chat_ctx *ctx, const struct chat_end_action *a,
    uint64_t now)
{
	struct chat_event	e;
	uint64_t		w;

	switch (a->kind) {
	case CHAT_END_A_GIVE_UP:
		chat_xfer_give_up(ctx, "gave up at exit");
		chat_room_close(&ctx->room, "gave up at exit");
		(void)chat_pump_room(ctx, now, &w);
		chat_backlog_flush(ctx);
		chat_input_drain(ctx, now);
		break;
	case CHAT_END_A_LEAVE:
		chat_xfer_give_up(ctx, "leaving");
		chat_backlog_flush(ctx);
		chat_room_close(&ctx->room, "leaving");
		(void)chat_pump_room(ctx, now, &w);
		chat_relay_leave(&ctx->relay, now);
		if (chat_rdv_leave(ctx, now) != 0)
			chat_end_stop(&ctx->end, 0);
		memset(&e, 0, sizeof(e));
		e.kind = EV_BYE;
		chat_emit(ctx, &e);
		break;
	}
}

static unsigned
chat_pump_end(struct chat_ctx *ctx, uint64_t now, uint64_t *wake)
{
	struct chat_end_action	a;
	unsigned		k;

	for (k = 0; k < CHAT_PUMP_MAX; k++) {
		chat_end_next(&ctx->end, now, chat_room_pending(&ctx->room) +
		    chat_xfer_pending(ctx), ctx->nbacklog + chat_xfer_kept(ctx),
		    &a);
		if (a.kind == CHAT_END_A_WAIT || a.kind == CHAT_END_A_DONE) {
			*wake = a.wake;
			return (k);
		}
		chat_on_end(ctx, &a, now);
	}
	*wake = now + 1;
	return (k);
}

/* Read stdin only while there is room to buffer it. */
static void
chat_flow(struct chat_ctx *ctx)
{
	struct timeval	tv = { 0, 0 };
	int		pause;

	/* A front end that reads stdin itself takes keys to the end. */
	pause = ctx->fe->read == NULL && (!chat_end_reading(&ctx->end) ||
	    ctx->inlen == CHAT_STDIN_BUF);
	if (ctx->ev_in == NULL || pause == ctx->in_paused)
		return;
	ctx->in_paused = pause;
	if (pause)
		event_del(ctx->ev_in);
	else if (ctx->in_poll)
		event_add(ctx->ev_in, &tv);
	else
		event_add(ctx->ev_in, NULL);
}

static void
chat_wake_min(uint64_t *w, uint64_t at)
{
	if (at != 0 && (*w == 0 || at < *w))
		*w = at;
}

/*
 * The router: drain every machine and hand each action on, in rounds,
 * until a round moves nothing (what one machine was handed may make
 * another act).  Then sleep until the earliest wake-up asked for.
 */
static void
chat_pump(struct chat_ctx *ctx)
{
	struct timeval	 tv;
	uint64_t	 now, w, w_relay, w_rdv, w_room, w_end, w_srv, w_tcp, d;
	unsigned	 k, n;

	now = clock_ms();
	w_relay = w_rdv = w_room = w_end = w_tcp = 0;
	chat_srv_timer(ctx, now, &w_srv);
	for (k = 0; k < CHAT_PUMP_ROUNDS && !ctx->end.done; k++) {
		n = chat_pump_relay(ctx, now, &w_relay);
		n += chat_pump_nat(ctx, now);
		n += chat_pump_rdv(ctx, now, &w_rdv);
		chat_input_drain(ctx, now);
		n += chat_pump_room(ctx, now, &w_room);
		chat_tcp_pump(ctx, now, &w_tcp);
		n += chat_xfer_pump(ctx, now);
		chat_rdv_stale(ctx, now);
		/* Lines kept while nobody could take them: the first taker. */
		if (ctx->nbacklog > 0 && !ctx->end.giving_up &&
		    chat_any_live(ctx)) {
			chat_backlog_flush(ctx);
			n++;
		}
		n += chat_pump_end(ctx, now, &w_end);
		if (n == 0)
			break;
	}
	chat_send_flush(ctx);
	if (ctx->end.done) {
		event_base_loopexit(ctx->base, NULL);
		return;
	}
	chat_flow(ctx);
	w = 0;
	chat_wake_min(&w, w_relay);
	chat_wake_min(&w, w_rdv);
	chat_wake_min(&w, w_room);
	chat_wake_min(&w, w_end);
	chat_wake_min(&w, w_srv);
	chat_wake_min(&w, w_tcp);
	if (k == CHAT_PUMP_ROUNDS)
		w = now;	/* still moving: come back at once */
	if (w == 0)
		w = now + 1000;
	d = w > now ? w - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)(d % 1000) * 1000;
	evtimer_add(ctx->ev_timer, &tv);
}

/*
 * One datagram, or one frame from a server's stream (udp 0: only the
 * servers' packets are taken there).  doc/p2pchat-wire.md: demultiplex
 * on source, first byte.
 */
static void
chat_packet(struct chat_ctx *ctx, const struct stun_addr *from,
    const uint8_t *buf, size_t n, uint64_t now, int udp)
{
	uint64_t	w;

	if (chat_relay_input(&ctx->relay, from, buf, n, now) == 0) {
		/* The TURN server's: its data points into buf. */
		(void)chat_pump_relay(ctx, now, &w);
		return;
	}
	if (stun_addr_equal(from, &ctx->server) && buf[0] <= 3)
		chat_rdv_input(ctx, from, buf, n, now);
	else if (udp && !ctx->force_relay)	/* relay only: nothing direct */
		chat_to_room(ctx, CHAT_SOCK_MAIN, from, buf, n, now);
}

void
chat_server_input(struct chat_ctx *ctx, const struct stun_addr *from,
    const uint8_t *buf, size_t len, uint64_t now)
{
	if (log_getlevel() >= LOG_LEVEL_DEBUG)
		chat_log_pkt("recv (stream)", from, buf, len);
	chat_packet(ctx, from, buf, len, now, 0);
}

void
chat_server_dropped(struct chat_ctx *ctx, const struct stun_addr *addr,
    uint64_t now)
{
	if (stun_addr_equal(&ctx->relay.server, addr))
		chat_relay_check(&ctx->relay, now);
	if (stun_addr_equal(&ctx->server, addr) && ctx->registering &&
	    ctx->end.joined && !ctx->end.leaving &&
	    chat_rdv_reregister(ctx, now) != 0)
		log_debug("cannot register again now");
}

const char *
chat_path_transport(struct chat_ctx *ctx, const struct chat_path *path)
{
	return (path->sock == CHAT_SOCK_TCP ? "tcp" :
	    path->sock != CHAT_SOCK_RELAY ? "udp" :
	    chat_srv_transport(ctx, CHAT_SRV_RELAY, &ctx->relay.server));
}

int
chat_relay_busy(struct chat_ctx *ctx)
{
	struct chat_peer	*p;
	unsigned		 i;

	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++)
		if ((p = chat_room_peer(&ctx->room, i)) != NULL &&
		    p->path.kind != CHAT_PATH_NONE &&
		    p->path.sock == CHAT_SOCK_RELAY)
			return (1);
	return (0);
}

void
chat_server_transport(struct chat_ctx *ctx, int role,
    const struct stun_addr *addr, const char *from, const char *to)
{
	struct chat_event	e;

	memset(&e, 0, sizeof(e));
	e.kind = EV_TRANSPORT;
	e.role = role == CHAT_SRV_RELAY ? "relay" : "rendezvous";
	e.addr2 = *addr;
	e.was = from;
	e.transport = to;
	chat_emit(ctx, &e);
}

/* One datagram from the main socket. */
static void
chat_sock_dgram(struct chat_ctx *ctx, const struct sockaddr_storage *ss,
    uint8_t *buf, size_t n)
{
	struct stun_addr	 from;
	uint64_t		 now;

	if (sock_to_stun((const struct sockaddr *)ss, &from) != 0)
		return;
	now = clock_ms();
	/* Empty: only ever a hard-NAT probe. */
	if (n == 0) {
		if (!ctx->force_relay)
			chat_hnsock_empty(ctx, &from, now);
		return;
	}
	if (log_getlevel() >= LOG_LEVEL_DEBUG)
		chat_log_pkt("recv", &from, buf, n);
	/* The answer to a server's UDP probe: for srv.c alone. */
	if (chat_srv_udp_input(ctx, &from, buf, n, now))
		return;
	chat_srv_heard(ctx, &from);
	chat_packet(ctx, &from, buf, n, now, 1);
}

static void
chat_sock_read(void *arg, const struct sockaddr_storage *ss, uint8_t *buf,
    size_t n)
{
	chat_sock_dgram(arg, ss, buf, n);
}

/*
 * A burst is read in one system call where the kernel allows (udpio.c),
 * and handed on CHAT_RECV_TURN datagrams at a time, each turn of the
 * router sending what they made (acknowledgements): the peer's window
 * keeps moving while a burst is worked through.
 */
static void
chat_sock_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	while (chat_udpio_recv(fd, chat_sock_read, arg, CHAT_RECV_TURN))
		chat_pump(arg);
	chat_pump(arg);
}

static void
chat_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat_ctx	*ctx = arg;
	uint64_t	 now = clock_ms();

	(void)fd;
	(void)what;
	chat_relay_timer(&ctx->relay, now);
	chat_rdv_timer(ctx, now);
	chat_room_timer(&ctx->room, now);
	chat_pump(ctx);
}

static void
chat_stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat_ctx	*ctx = arg;
	struct timeval	 tv = { 0, 0 };
	ssize_t		 n;

	(void)what;
	if (ctx->fe->read != NULL) {
		if (ctx->fe->read(ctx) != 0) {
			/* The terminal is gone: stop watching it. */
			event_free(ctx->ev_in);
			ctx->ev_in = NULL;
			chat_end_eof(&ctx->end);
		}
		chat_pump(ctx);
		return;
	}
	if (!chat_end_reading(&ctx->end) || ctx->inlen == CHAT_STDIN_BUF)
		return;
	/* fd is -1 when a timer polls a regular file. */
	(void)fd;
	n = read(STDIN_FILENO, ctx->inbuf + ctx->inlen,
	    CHAT_STDIN_BUF - ctx->inlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		chat_end_eof(&ctx->end);
	else
		ctx->inlen += (size_t)n;
	if (ctx->in_poll && chat_end_reading(&ctx->end))
		event_add(ctx->ev_in, &tv);
	chat_pump(ctx);
}

static void
chat_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct chat_ctx	*ctx = arg;

	(void)what;
	if (!ctx->end.quitting)
		log_debug("signal %d: leaving", (int)sig);
	chat_quit(ctx);
	chat_pump(ctx);
}

static int
chat_events(struct chat_ctx *ctx)
{
	struct timeval	 tv = { 0, 0 };
	struct stat	 st;

	if ((ctx->base = event_base_new()) == NULL ||
	    chat_udpio_init(ctx->fd) != 0)
		return (-1);
	ctx->ev_sock = event_new(ctx->base, ctx->fd, EV_READ | EV_PERSIST,
	    chat_sock_cb, ctx);
	ctx->ev_timer = evtimer_new(ctx->base, chat_timer_cb, ctx);
	ctx->ev_int = evsignal_new(ctx->base, SIGINT, chat_signal_cb, ctx);
	ctx->ev_term = evsignal_new(ctx->base, SIGTERM, chat_signal_cb, ctx);
	if (ctx->ev_sock == NULL || ctx->ev_timer == NULL ||
	    ctx->ev_int == NULL || ctx->ev_term == NULL ||
	    event_add(ctx->ev_sock, NULL) != 0 ||
	    event_add(ctx->ev_int, NULL) != 0 ||
	    event_add(ctx->ev_term, NULL) != 0)
		return (-1);
	/* epoll refuses regular files and /dev/null: they are always
	 * readable, so a timer polls them. */
	if (fstat(STDIN_FILENO, &st) == 0 && (S_ISREG(st.st_mode) ||
	    (S_ISCHR(st.st_mode) && !isatty(STDIN_FILENO))))
		ctx->in_poll = 1;
	if (ctx->in_poll) {
		ctx->ev_in = evtimer_new(ctx->base, chat_stdin_cb, ctx);
		if (ctx->ev_in == NULL || event_add(ctx->ev_in, &tv) != 0)
			return (-1);
	} else {
		ctx->ev_in = event_new(ctx->base, STDIN_FILENO,
		    EV_READ | EV_PERSIST, chat_stdin_cb, ctx);
		if (ctx->ev_in == NULL || event_add(ctx->ev_in, NULL) != 0)
			return (-1);
	}
	return (0);
}

static void
chat_free(struct chat_ctx *ctx)
{
	unsigned	i;

	for (i = 0; i < ctx->nbacklog; i++)
		free(ctx->backlog[i].buf);
	chat_natlearn_free(ctx->natlearn);	/* its events, before the base */
	chat_srv_free(ctx);
	chat_tcp_free(ctx);
	chat_hnsock_free(ctx);
	if (ctx->ev_sock != NULL)
		event_free(ctx->ev_sock);
	if (ctx->ev_in != NULL)
		event_free(ctx->ev_in);
	if (ctx->ev_timer != NULL)
		event_free(ctx->ev_timer);
	if (ctx->ev_int != NULL)
		event_free(ctx->ev_int);
	if (ctx->ev_term != NULL)
		event_free(ctx->ev_term);
	if (ctx->base != NULL)
		event_base_free(ctx->base);
	if (ctx->fd != -1) {
		chat_send_flush(ctx);
		close(ctx->fd);
	}
	chat_udpio_free();
	chat_xfer_free(ctx);
	chat_room_free(&ctx->room);
	chat_relay_clear(&ctx->relay);
	free(ctx->inbuf);
	OPENSSL_cleanse(ctx->secret, sizeof(ctx->secret));
}

void
chat_begin(struct chat_ctx *ctx)
{
	struct chat_event	e;

	memset(&e, 0, sizeof(e));
	e.kind = EV_ROOM;
	e.code = ctx->code;
	e.created = ctx->code_arg == NULL;
	e.peer = ctx->name;
	e.addr2 = ctx->server;
	chat_emit(ctx, &e);
	chat_nat_begin(ctx);
	if (!chat_relay_begin(&ctx->relay, clock_ms()))
		chat_rdv_register(ctx, clock_ms());
}

int
main(int argc, char *argv[])
{
	struct chat_ctx		*ctx;
	int			 rv, batch;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		fprintf(stderr, "p2pchat: out of memory\n");
		return (1);
	}
	ctx->fd = -1;
	if ((rv = chat_opts(ctx, argc, argv, &batch)) != 0)
		goto out;
	rv = 1;
	ctx->start = clock_ms();
	if ((ctx->inbuf = malloc(CHAT_STDIN_BUF)) == NULL ||
	    chat_setup(ctx) != 0 || chat_events(ctx) != 0) {
		fprintf(stderr, "p2pchat: %s\n", ctx->err[0] != '\0' ?
		    ctx->err : "cannot set up the event loop");
		goto out;
	}
	ctx->fe = ctx->web_arg != NULL ? &chat_fe_web : batch ?
	    &chat_fe_batch : &chat_fe_ui;
	if (ctx->fe->start != NULL && ctx->fe->start(ctx, ctx->base) != 0)
		ctx->fe = &chat_fe_batch;
	if (ctx->fe->input == NULL && ctx->fe->read == NULL) {
		event_free(ctx->ev_in);
		ctx->ev_in = NULL;
	}
	if (ctx->code[0] != '\0')
		chat_begin(ctx);
	if (!ctx->end.done) {
		chat_pump(ctx);
		event_base_dispatch(ctx->base);
	}
	if (ctx->fe->stop != NULL)
		ctx->fe->stop();
	rv = ctx->end.status;
	if (rv != 0)
		fprintf(stderr, "p2pchat: %s\n", ctx->err);
 out:
	chat_free(ctx);
	free(ctx);
	return (rv);
}
