/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_chat_relay: p2pchat's TURN relay (chat/relay.h) on a fake clock
 * against a scripted TURN server whose answers are built with libstun's
 * builders: the allocation and its "up" report, wrapping and unwrapping
 * of peer data, a channel bound on a relayed path, a refusal, the relay
 * lost and allocated again for as long as it takes (the old allocation
 * deleted first), a restarted server found by a forced refresh, no
 * allocation in time, --force-relay
 * (failures are fatal, a server offering no relay too), the rendezvous
 * server's offer, and the deallocation when leaving.
 */
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "libstun/turn.h"
#include "chat/relay.h"
#include "chat_suites.h"

#define REALM		"example.org"
#define NONCE		"f0f0-chat-nonce"

struct sent {
	uint8_t		 buf[STUN_TURN_MSG_MAX];
	size_t		 len;
	struct stun_msg	 m;
};

static struct stun_addr	srv, peer, relayed1, relayed2;
static uint8_t		key[STUN_KEY_MAX];
static size_t		keylen;

static struct stun_addr
addr(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct stun_addr	x;

	memset(&x, 0, sizeof(x));
	x.family = STUN_AF_INET;
	x.ip[0] = a;
	x.ip[1] = b;
	x.ip[2] = c;
	x.ip[3] = d;
	x.port = port;
	return (x);
}

static void
relay_setup(struct chat_relay *rl, int force)
{
	struct stun_turn_config	c;

	srv = addr(192, 0, 2, 1, 3478);
	peer = addr(198, 51, 100, 20, 7000);
	relayed1 = addr(203, 0, 113, 7, 50000);
	relayed2 = addr(203, 0, 113, 7, 50002);
	ck_assert_int_eq(stun_key_long_term(STUN_PWALG_MD5, "alice", REALM,
	    "secret", key, &keylen), 0);
	chat_relay_init(rl, force, 0);
	memset(&c, 0, sizeof(c));
	c.server = srv;
	strcpy(c.username, "alice");
	strcpy(c.password, "secret");
	ck_assert_int_eq(chat_relay_configure(rl, &c), 0);
}

static int
next(struct chat_relay *rl, uint64_t now, struct chat_relay_action *a)
{
	chat_relay_next(rl, now, a);
	if (a->kind != CHAT_RELAY_A_WAIT && a->kind != CHAT_RELAY_A_NONE)
		ck_assert(stun_addr_equal(&a->server, &srv));
	return (a->kind);
}

/* The next action is a request of method to the server: copy it out. */
static void
expect_req(struct chat_relay *rl, uint64_t now, uint16_t method,
    struct sent *s)
{
	struct chat_relay_action	a;

	ck_assert_int_eq(next(rl, now, &a), CHAT_RELAY_A_SEND);
	ck_assert(stun_addr_equal(&a.to, &srv));
	ck_assert_uint_le(a.len, sizeof(s->buf));
	memcpy(s->buf, a.buf, a.len);
	s->len = a.len;
	ck_assert_int_eq(stun_msg_decode(&s->m, s->buf, s->len), 0);
	ck_assert_uint_eq(s->m.method, method);
	ck_assert_uint_eq(s->m.cls, STUN_CLASS_REQUEST);
}

static uint64_t
expect_wait(struct chat_relay *rl, uint64_t now)
{
	struct chat_relay_action	a;

	ck_assert_int_eq(next(rl, now, &a), CHAT_RELAY_A_WAIT);
	return (a.wake);
}

/* The server's answer: code 0 success, 401 with the nonce, else error. */
static int
answer(struct chat_relay *rl, const struct sent *req, int code,
    const struct stun_addr *rel, uint64_t now)
{
	struct stun_builder	b;
	uint8_t			buf[1024];
	int			n;

	stun_build_reply(&b, buf, sizeof(buf), &req->m, code == 0 ?
	    STUN_CLASS_SUCCESS : STUN_CLASS_ERROR);
	if (code != 0)
		stun_build_error(&b, code, NULL);
	if (code == 401) {
		stun_build_string(&b, STUN_ATTR_REALM, REALM);
		stun_build_string(&b, STUN_ATTR_NONCE, NONCE);
	}
	if (rel != NULL) {
		stun_build_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, rel);
		stun_build_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &peer);
		stun_build_u32(&b, STUN_ATTR_LIFETIME, 600);
	}
	if (code != 401)
		stun_build_integrity(&b, key, keylen);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	return (chat_relay_input(rl, &srv, buf, (size_t)n, now));
}

/* Allocate at now on rel: the 401 round trip, then UP. */
static void
allocate(struct chat_relay *rl, uint64_t now, const struct stun_addr *rel)
{
	struct chat_relay_action	a;
	struct sent			s;

	expect_req(rl, now, STUN_METHOD_ALLOCATE, &s);
	ck_assert_int_eq(answer(rl, &s, 401, NULL, now), 0);
	expect_req(rl, now, STUN_METHOD_ALLOCATE, &s);
	ck_assert_int_eq(answer(rl, &s, 0, rel, now), 0);
	ck_assert_int_eq(next(rl, now, &a), CHAT_RELAY_A_UP);
	ck_assert(stun_addr_equal(&a.relayed, rel));
	ck_assert(chat_relay_up(rl));
	ck_assert(stun_addr_equal(&rl->relayed, rel));
}

/*
 * Leave every request unanswered, waking when the relay asks, until it
 * reports something other than a send.
 */
static uint64_t
lose(struct chat_relay *rl, uint64_t now, struct chat_relay_action *a)
{
	unsigned	k;

	while (next(rl, now, a) == CHAT_RELAY_A_SEND)
		;
	for (k = 0; k < 100 && a->kind == CHAT_RELAY_A_WAIT; k++) {
		ck_assert_uint_gt(a->wake, now);
		now = a->wake;
		chat_relay_timer(rl, now);
		while (next(rl, now, a) == CHAT_RELAY_A_SEND)
			;
	}
	ck_assert_int_ne(a->kind, CHAT_RELAY_A_WAIT);
	return (now);
}

START_TEST(relay_allocates_and_reports_up)
{
	struct chat_relay	rl;
	struct stun_builder	b;
	static const uint8_t	tid[STUN_TID_LEN] = { 5, 5, 5 };
	uint8_t			bad[4] = { 1, 2, 3, 4 }, buf[64];
	uint64_t		w;
	int			n;

	relay_setup(&rl, 0);
	/* Nothing is wrapped before the allocation. */
	ck_assert_int_eq(chat_relay_wrap(&rl, &peer, bad, 4, 0),
	    STUN_ERR_STATE);
	ck_assert_int_eq(chat_relay_begin(&rl, 0), 1);
	allocate(&rl, 0, &relayed1);
	w = expect_wait(&rl, 0);
	ck_assert_uint_gt(w, 0);	/* the refresh */
	ck_assert_uint_le(w, 600000);
	/*
	 * Not from the server, or not the TURN client's (the rendezvous on
	 * the same server): someone else's to handle.
	 */
	ck_assert_int_eq(chat_relay_input(&rl, &peer, bad, 4, 1), -1);
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_SUCCESS, tid);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(chat_relay_input(&rl, &srv, buf, (size_t)n, 1), -1);
	chat_relay_clear(&rl);
}
END_TEST

/*
 * A send from the relay socket leaves as a Send indication to the
 * server and asks for the peer's permission; what the peer sends back
 * in a Data indication comes out as DATA from the peer.
 */
START_TEST(relay_wraps_and_unwraps)
{
	struct chat_relay		 rl;
	struct chat_relay_action	 a;
	struct stun_builder		 b;
	struct stun_msg			 m;
	struct stun_addr		 to;
	struct sent			 s;
	static const uint8_t		 tid[STUN_TID_LEN] = { 9, 9, 9 };
	const uint8_t			 data[5] = { 0xd0, 1, 2, 3, 4 };
	const uint8_t			*got;
	uint8_t				 buf[256];
	size_t				 gotlen;
	int				 n;

	relay_setup(&rl, 0);
	ck_assert_int_eq(chat_relay_begin(&rl, 0), 1);
	allocate(&rl, 0, &relayed1);
	n = chat_relay_wrap(&rl, &peer, data, sizeof(data), 10);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_msg_decode(&m, rl.out, (size_t)n), 0);
	ck_assert_uint_eq(m.method, STUN_METHOD_SEND);
	ck_assert_uint_eq(m.cls, STUN_CLASS_INDICATION);
	ck_assert_int_eq(stun_msg_get_addr(&m, STUN_ATTR_XOR_PEER_ADDRESS,
	    &to), 0);
	ck_assert(stun_addr_equal(&to, &peer));
	ck_assert_int_eq(stun_msg_get_bytes(&m, STUN_ATTR_DATA, &got,
	    &gotlen), 0);
	ck_assert_uint_eq(gotlen, sizeof(data));
	ck_assert_mem_eq(got, data, sizeof(data));
	/* The permission request comes out of the machine, in turn. */
	expect_req(&rl, 10, STUN_METHOD_CREATE_PERMISSION, &s);
	ck_assert_int_eq(answer(&rl, &s, 0, NULL, 20), 0);
	(void)expect_wait(&rl, 20);
	/* The peer answers through the relay. */
	stun_build_init(&b, buf, sizeof(buf), STUN_METHOD_DATA,
	    STUN_CLASS_INDICATION, tid);
	stun_build_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
	stun_build_attr(&b, STUN_ATTR_DATA, data, 3);
	n = stun_build_finish(&b);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(chat_relay_input(&rl, &srv, buf, (size_t)n, 30), 0);
	ck_assert_int_eq(next(&rl, 30, &a), CHAT_RELAY_A_DATA);
	ck_assert(stun_addr_equal(&a.peer, &peer));
	ck_assert_uint_eq(a.len, 3);
	ck_assert_mem_eq(a.buf, data, 3);
	(void)expect_wait(&rl, 30);
	chat_relay_clear(&rl);
}
END_TEST

/*
 * A path through the relay gets a channel: afterwards sends leave as
 * ChannelData, and ChannelData from the server comes out as DATA from
 * the peer.  A channel the server refuses is reported, not fatal.
 */
START_TEST(relay_binds_a_channel_on_a_relayed_path)
{
	struct chat_relay		 rl;
	struct chat_relay_action	 a;
	struct stun_addr		 other = addr(198, 51, 100, 30, 9000);
	struct sent			 s;
	const uint8_t			 data[4] = { 0xd1, 7, 7, 7 };
	const uint8_t			*got;
	uint8_t				 buf[64];
	size_t				 gotlen;
	uint16_t			 ch;
	int				 n;

	relay_setup(&rl, 0);
	ck_assert_int_eq(chat_relay_begin(&rl, 0), 1);
	allocate(&rl, 0, &relayed1);
	chat_relay_path(&rl, &peer, 100);
	expect_req(&rl, 100, STUN_METHOD_CHANNEL_BIND, &s);
	ck_assert_int_eq(stun_msg_get_channel(&s.m, &ch), 0);
	ck_assert_uint_ge(ch, 0x4000);
	ck_assert_int_eq(answer(&rl, &s, 0, NULL, 110), 0);
	(void)expect_wait(&rl, 110);
	n = chat_relay_wrap(&rl, &peer, data, sizeof(data), 120);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(stun_chdata_decode(rl.out, (size_t)n, &ch, &got,
	    &gotlen), 0);
	ck_assert_uint_eq(gotlen, sizeof(data));
	ck_assert_mem_eq(got, data, sizeof(data));
	expect_req(&rl, 120, STUN_METHOD_CREATE_PERMISSION, &s);
	ck_assert_int_eq(answer(&rl, &s, 0, NULL, 125), 0);
	(void)expect_wait(&rl, 125);
	n = stun_chdata_encode(buf, sizeof(buf), ch, data, 3, 0);
	ck_assert_int_eq(chat_relay_input(&rl, &srv, buf, (size_t)n, 130), 0);
	ck_assert_int_eq(next(&rl, 130, &a), CHAT_RELAY_A_DATA);
	ck_assert(stun_addr_equal(&a.peer, &peer));
	ck_assert_uint_eq(a.len, 3);
	/* Refused for another peer: DENIED, and the relay stays up. */
	chat_relay_path(&rl, &other, 140);
	expect_req(&rl, 140, STUN_METHOD_CHANNEL_BIND, &s);
	ck_assert_int_eq(answer(&rl, &s, 403, NULL, 150), 0);
	ck_assert_int_eq(next(&rl, 150, &a), CHAT_RELAY_A_DENIED);
	ck_assert(stun_addr_equal(&a.peer, &other));
	ck_assert_ptr_nonnull(a.reason);
	(void)expect_wait(&rl, 150);
	ck_assert(chat_relay_up(&rl));
	chat_relay_clear(&rl);
}
END_TEST

/*
 * The allocation is lost while up: LOST says a new one is on its way,
 * which comes UP on a new relayed address.  Lost a second time, it
 * stays lost: nothing more is allocated and nothing is wrapped.
 */
/*
 * The refresh times out (the server may still hold the allocation): the
 * relay deletes it first (Refresh with LIFETIME 0 under the credential
 * it was made with), then allocates anew.  Lost again, the same; while
 * the server does not answer at all it keeps trying, backed off
 * (CHAT_RELAY_RETRY doubling to CHAT_RELAY_RETRY_MAX), and is up again
 * as soon as the server answers.
 */
START_TEST(relay_lost_allocates_again_forever)
{
	struct chat_relay		rl;
	struct chat_relay_action	a;
	struct sent			s;
	const uint8_t			data[2] = { 0xd0, 0 };
	uint32_t			lt;
	uint64_t			now, w, prev;
	unsigned			k, allocs;

	relay_setup(&rl, 0);
	ck_assert_int_eq(chat_relay_begin(&rl, 0), 1);
	allocate(&rl, 0, &relayed1);
	now = lose(&rl, 0, &a);
	ck_assert_int_eq(a.kind, CHAT_RELAY_A_LOST);
	ck_assert_int_eq(a.again, 1);
	ck_assert_ptr_nonnull(a.reason);
	ck_assert(!chat_relay_up(&rl));
	ck_assert_int_eq(chat_relay_wrap(&rl, &peer, data, 2, now),
	    STUN_ERR_STATE);
	/* The old allocation deleted first, signed. */
	expect_req(&rl, now, STUN_METHOD_REFRESH, &s);
	ck_assert_int_eq(stun_msg_get_u32(&s.m, STUN_ATTR_LIFETIME, &lt), 0);
	ck_assert_uint_eq(lt, 0);
	ck_assert_int_eq(stun_msg_check_integrity(&s.m, key, keylen), 0);
	ck_assert_int_eq(answer(&rl, &s, 0, NULL, now), 0);
	allocate(&rl, now, &relayed2);
	now = lose(&rl, now, &a);
	ck_assert_int_eq(a.kind, CHAT_RELAY_A_LOST);
	ck_assert_int_eq(a.again, 1);
	/* Now the server is gone: deleting and allocating time out. */
	for (k = 0, allocs = 0, prev = now; k < 400 && now < prev + 200000;
	    k++) {
		chat_relay_next(&rl, now, &a);
		if (a.kind == CHAT_RELAY_A_SEND) {
			ck_assert_int_eq(stun_msg_decode(&s.m, a.buf, a.len),
			    0);
			if (s.m.method == STUN_METHOD_ALLOCATE)
				allocs++;
			continue;
		}
		ck_assert_int_eq(a.kind, CHAT_RELAY_A_WAIT);
		ck_assert_uint_gt(a.wake, now);
		/* Never longer than the backoff ceiling between tries. */
		ck_assert_uint_le(a.wake - now, CHAT_RELAY_RETRY_MAX);
		now = a.wake;
		chat_relay_timer(&rl, now);
	}
	ck_assert_uint_ge(allocs, 8);
	ck_assert_uint_le(allocs, 40);
	ck_assert_uint_eq(rl.backoff, CHAT_RELAY_RETRY_MAX);
	ck_assert(!chat_relay_up(&rl));
	/* Back: the next try allocates. */
	for (k = 0; k < 100; k++) {
		while (next(&rl, now, &a) == CHAT_RELAY_A_SEND)
			;
		if (rl.state == CHAT_RELAY_S_RETRY)
			break;
		now = a.wake;
		chat_relay_timer(&rl, now);
	}
	ck_assert_int_eq(rl.state, CHAT_RELAY_S_RETRY);
	w = rl.retry_at;
	ck_assert_uint_eq(expect_wait(&rl, now), w);
	allocate(&rl, w, &relayed1);
	ck_assert_uint_eq(rl.backoff, 0);
	chat_relay_clear(&rl);
}
END_TEST

/*
 * A restarted server: the forced refresh (chat_relay_check(), as after
 * the rendezvous server came back) is answered 437; the relay is lost
 * and allocated again at once, with the credential offered last.
 */
START_TEST(relay_check_after_restart_allocates_again)
{
	struct chat_relay		rl;
	struct chat_relay_action	a;
	struct sent			s;

	relay_setup(&rl, 0);
	ck_assert_int_eq(chat_relay_begin(&rl, 0), 1);
	allocate(&rl, 0, &relayed1);
	ck_assert_uint_eq(expect_wait(&rl, 1000), 540000);
	chat_relay_check(&rl, 1000);
	chat_relay_timer(&rl, 1000);
	expect_req(&rl, 1000, STUN_METHOD_REFRESH, &s);
	/* Not twice within CHAT_RELAY_CHECK_MIN. */
	chat_relay_check(&rl, 1100);
	ck_assert_int_eq(answer(&rl, &s, 437, NULL, 1100), 0);
	ck_assert_int_eq(next(&rl, 1100, &a), CHAT_RELAY_A_LOST);
	ck_assert_int_eq(a.again, 1);
	allocate(&rl, 1100, &relayed2);
	chat_relay_clear(&rl);
}
END_TEST

/*
 * No answer from the TURN server: after CHAT_RELAY_WAIT the relay fails
 * quietly (no event) and p2pchat goes on without it; with --force-relay
 * that is fatal.
 */
START_TEST(relay_no_allocation_in_time)
{
	struct chat_relay		rl;
	struct chat_relay_action	a;
	struct sent			s;
	int				force;
	uint64_t			now, w;

	for (force = 0; force < 2; force++) {
		relay_setup(&rl, force);
		ck_assert_int_eq(chat_relay_begin(&rl, 0), 1);
		expect_req(&rl, 0, STUN_METHOD_ALLOCATE, &s);
		w = expect_wait(&rl, 0);
		ck_assert_uint_gt(w, 0);
		ck_assert_uint_le(w, CHAT_RELAY_WAIT);
		for (now = 0; now < CHAT_RELAY_WAIT; now += 250) {
			chat_relay_timer(&rl, now);
			while (next(&rl, now, &a) == CHAT_RELAY_A_SEND)
				;
			if (a.kind != CHAT_RELAY_A_WAIT)
				break;
			ck_assert_uint_le(a.wake, CHAT_RELAY_WAIT);
		}
		if (a.kind == CHAT_RELAY_A_WAIT)
			ck_assert_int_eq(next(&rl, CHAT_RELAY_WAIT, &a),
			    CHAT_RELAY_A_FAILED);
		ck_assert_int_eq(a.kind, CHAT_RELAY_A_FAILED);
		ck_assert_int_eq(a.fatal, force);
		ck_assert_int_eq(a.offered, 0);
		ck_assert(!chat_relay_up(&rl));
		while (next(&rl, CHAT_RELAY_WAIT, &a) == CHAT_RELAY_A_SEND)
			;
		ck_assert_int_eq(a.kind, CHAT_RELAY_A_WAIT);
		chat_relay_clear(&rl);
	}
}
END_TEST

/*
 * The server refuses the credential: the failure is shown as a relay
 * event and p2pchat goes on without; with --force-relay it is fatal
 * (and said once, on stderr, rather than as an event).
 */
START_TEST(relay_refused_credential)
{
	struct chat_relay		rl;
	struct chat_relay_action	a;
	struct sent			s;
	int				force;

	for (force = 0; force < 2; force++) {
		relay_setup(&rl, force);
		ck_assert_int_eq(chat_relay_begin(&rl, 0), 1);
		expect_req(&rl, 0, STUN_METHOD_ALLOCATE, &s);
		ck_assert_int_eq(answer(&rl, &s, 401, NULL, 0), 0);
		expect_req(&rl, 0, STUN_METHOD_ALLOCATE, &s);
		ck_assert_int_eq(answer(&rl, &s, 401, NULL, 10), 0);
		ck_assert_int_eq(next(&rl, 10, &a), CHAT_RELAY_A_FAILED);
		ck_assert_str_eq(a.reason, stun_reason_phrase(401));
		ck_assert_int_eq(a.fatal, force);
		ck_assert_int_eq(a.shown, !force);
		ck_assert_uint_eq(expect_wait(&rl, 10), 0);
		chat_relay_clear(&rl);
	}
}
END_TEST

/*
 * The rendezvous server's offer: taken when no relay is configured
 * (allocation on the server's address), ignored when one is or with
 * --no-relay; no offer is fatal only with --force-relay.
 */
START_TEST(relay_offered_by_the_rendezvous)
{
	struct chat_relay		rl;
	struct chat_relay_action	a;
	struct sent			s;

	relay_setup(&rl, 0);
	chat_relay_init(&rl, 0, 0);
	ck_assert_uint_eq(expect_wait(&rl, 0), 0);
	ck_assert_int_eq(chat_relay_begin(&rl, 0), 0);	/* none */
	ck_assert_int_eq(chat_relay_offered(&rl, &srv, "", "", 0), 0);
	ck_assert_uint_eq(expect_wait(&rl, 0), 0);
	ck_assert_int_eq(chat_relay_offered(&rl, &srv, "alice", "secret", 0),
	    1);
	allocate(&rl, 0, &relayed1);
	/* A second offer (registered again) changes nothing. */
	ck_assert_int_eq(chat_relay_offered(&rl, &srv, "bob", "pw", 5), 0);
	(void)expect_wait(&rl, 5);
	ck_assert(chat_relay_up(&rl));
	chat_relay_clear(&rl);

	/* --no-relay. */
	chat_relay_init(&rl, 0, 1);
	ck_assert_int_eq(chat_relay_offered(&rl, &srv, "alice", "secret", 0),
	    0);
	ck_assert_uint_eq(expect_wait(&rl, 0), 0);

	/* --force-relay with no offer: fatal, and said once. */
	chat_relay_init(&rl, 1, 0);
	ck_assert_int_eq(chat_relay_offered(&rl, &srv, "", "", 0), 0);
	ck_assert_int_eq(next(&rl, 0, &a), CHAT_RELAY_A_NONE);
	ck_assert_uint_eq(expect_wait(&rl, 0), 0);

	/* --force-relay with an offer that cannot be used: fatal. */
	chat_relay_init(&rl, 1, 0);
	ck_assert_int_eq(chat_relay_offered(&rl, &srv, "alice", "bad\x01",
	    0), 0);
	ck_assert_int_eq(next(&rl, 0, &a), CHAT_RELAY_A_FAILED);
	ck_assert_int_eq(a.fatal, 1);
	ck_assert_int_eq(a.offered, 1);
	ck_assert_uint_eq(expect_wait(&rl, 0), 0);
	(void)s;
}
END_TEST

/* Leaving deallocates (LIFETIME 0); its answer reports nothing. */
START_TEST(relay_leave_deallocates)
{
	struct chat_relay	rl;
	struct sent		s;
	uint32_t		life = 1;

	relay_setup(&rl, 1);
	ck_assert_int_eq(chat_relay_begin(&rl, 0), 1);
	allocate(&rl, 0, &relayed1);
	chat_relay_leave(&rl, 50);
	expect_req(&rl, 50, STUN_METHOD_REFRESH, &s);
	ck_assert_int_eq(stun_msg_get_u32(&s.m, STUN_ATTR_LIFETIME, &life),
	    0);
	ck_assert_uint_eq(life, 0);
	ck_assert_int_eq(answer(&rl, &s, 0, NULL, 60), 0);
	ck_assert_uint_eq(expect_wait(&rl, 60), 0);
	ck_assert(!chat_relay_up(&rl));
	chat_relay_clear(&rl);
}
END_TEST

Suite *
suite_chat_relay(void)
{
	Suite	*s = suite_create("chat_relay");
	TCase	*tc = tcase_create("relay");

	tcase_add_test(tc, relay_allocates_and_reports_up);
	tcase_add_test(tc, relay_wraps_and_unwraps);
	tcase_add_test(tc, relay_binds_a_channel_on_a_relayed_path);
	tcase_add_test(tc, relay_lost_allocates_again_forever);
	tcase_add_test(tc, relay_check_after_restart_allocates_again);
	tcase_add_test(tc, relay_no_allocation_in_time);
	tcase_add_test(tc, relay_refused_credential);
	tcase_add_test(tc, relay_offered_by_the_rendezvous);
	tcase_add_test(tc, relay_leave_deallocates);
	suite_add_tcase(s, tc);
	return (s);
}
