/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_chat_end: how p2pchat ends (chat/end.h) on a fake clock: the end
 * of input with messages still in flight, the linger time running out
 * and what was left reported undelivered through a real room, the quiet
 * moment to leave in, a second signal, the Leave answered or not,
 * nothing left before we registered, and a second quit then stopping at
 * once.
 */
#include <string.h>

#include <check.h>

#include "libstun/stun.h"
#include "chat/end.h"
#include "chat/peer.h"
#include "chat/room.h"
#include "chat_suites.h"

static int
next_kind(struct chat_end *e, uint64_t now, unsigned pending,
    unsigned backlog, uint64_t *wake)
{
	struct chat_end_action	a;

	chat_end_next(e, now, pending, backlog, &a);
	if (wake != NULL)
		*wake = a.wake;
	return (a.kind);
}

/* Registered, linger 10 s, every line taken at quit_at. */
static void
quit_at(struct chat_end *e, uint64_t at)
{
	chat_end_init(e, CHAT_END_LINGER);
	chat_end_joined(e);
	ck_assert(chat_end_reading(e));
	chat_end_quit(e, at);
	ck_assert(!chat_end_reading(e));
}

/*
 * End of input with two messages unacknowledged: no leaving while they
 * are pending, each settled message restarts the linger time, and once
 * they are all settled the room is left and the Leave waited for.
 */
START_TEST(end_eof_waits_for_pending_messages)
{
	struct chat_end	e;
	uint64_t	w;

	quit_at(&e, 1000);
	ck_assert_int_eq(next_kind(&e, 1000, 2, 0, &w), CHAT_END_A_WAIT);
	ck_assert_uint_eq(w, 11000);	/* the linger deadline */
	ck_assert_int_eq(next_kind(&e, 6000, 2, 0, &w), CHAT_END_A_WAIT);
	chat_end_progress(&e, 6000);	/* one was delivered */
	ck_assert_int_eq(next_kind(&e, 6000, 1, 0, &w), CHAT_END_A_WAIT);
	ck_assert_uint_eq(w, 16000);
	ck_assert_int_eq(next_kind(&e, 15999, 1, 0, &w), CHAT_END_A_WAIT);
	chat_end_progress(&e, 15000);	/* the other one too */
	ck_assert_int_eq(next_kind(&e, 15000, 0, 0, &w), CHAT_END_A_LEAVE);
	ck_assert(!e.giving_up);
	ck_assert_int_eq(next_kind(&e, 15000, 0, 0, &w), CHAT_END_A_WAIT);
	ck_assert_uint_eq(w, 15000 + CHAT_END_LEAVE_WAIT);
}
END_TEST

/* A room with bob (never reachable) and a message queued to him. */
static struct chat_peer *
room_with_bob(struct chat_room *r, uint32_t *id)
{
	static const uint8_t	 secret[CHAT_SECRET_LEN] = { 1, 2, 3 };
	struct stun_rdv_member	 m;
	struct chat_room_action	 a;
	struct chat_peer	*p;

	ck_assert_int_eq(chat_room_init(r, secret, "alice"), 0);
	memset(&m, 0, sizeof(m));
	m.id = 2;
	strcpy(m.name, "bob");
	m.ncand = 1;
	m.cand[0].kind = STUN_RDV_CAND_HOST;
	m.cand[0].addr.family = STUN_AF_INET;
	m.cand[0].addr.ip[0] = 10;
	m.cand[0].addr.ip[3] = 2;
	m.cand[0].addr.port = 2000;
	chat_room_members(r, 1, &m, 1, STUN_RDV_EV_JOIN, 2, 0);
	chat_room_next(r, 0, &a);
	ck_assert_int_eq(a.kind, CHAT_ROOM_A_MEMBER);
	p = a.peer;
	ck_assert_int_eq(chat_peer_send(p, (const uint8_t *)"hi", 2, 0, id),
	    0);
	ck_assert_uint_eq(chat_room_pending(r), 1);
	return (p);
}

/*
 * The linger time runs out with a message nobody acknowledged: GIVE_UP,
 * and closing the room as the program does then reports it undelivered
 * ("gave up at exit"), after which the room is left at once.
 */
START_TEST(end_linger_expiry_reports_undelivered)
{
	struct chat_end		 e;
	struct chat_room	 r;
	struct chat_room_action	 a;
	uint32_t		 id;
	unsigned		 undelivered = 0, k;
	uint64_t		 w;

	(void)room_with_bob(&r, &id);
	quit_at(&e, 100);
	ck_assert_int_eq(next_kind(&e, 5000, chat_room_pending(&r), 0, &w),
	    CHAT_END_A_WAIT);
	ck_assert_uint_eq(w, 10100);
	ck_assert_int_eq(next_kind(&e, 10100, chat_room_pending(&r), 0, &w),
	    CHAT_END_A_GIVE_UP);
	ck_assert(e.giving_up);
	chat_room_close(&r, "gave up at exit");
	for (k = 0; k < 100; k++) {
		chat_room_next(&r, 10100, &a);
		if (a.kind == CHAT_ROOM_A_WAIT)
			break;
		if (a.kind == CHAT_ROOM_A_PEER &&
		    a.pa.kind == CHAT_PEER_A_UNDELIVERED) {
			ck_assert_uint_eq(a.pa.id, id);
			ck_assert_str_eq(a.pa.reason, "gave up at exit");
			undelivered++;
		}
	}
	ck_assert_uint_eq(undelivered, 1);
	ck_assert_uint_eq(chat_room_pending(&r), 0);
	/* Giving up: no quiet time either, even right after a message. */
	chat_end_rx(&e, 10100);
	ck_assert_int_eq(next_kind(&e, 10100, 0, 0, &w), CHAT_END_A_LEAVE);
	chat_room_free(&r);
}
END_TEST

/* Somebody is still talking to us: leave a quiet second later. */
START_TEST(end_leaves_in_a_quiet_moment)
{
	struct chat_end	e;
	uint64_t	w;

	quit_at(&e, 1000);
	chat_end_rx(&e, 1500);
	ck_assert_int_eq(next_kind(&e, 1500, 0, 0, &w), CHAT_END_A_WAIT);
	ck_assert_uint_eq(w, 1500 + CHAT_END_QUIET);
	chat_end_rx(&e, 2000);
	ck_assert_int_eq(next_kind(&e, 2499, 0, 0, &w), CHAT_END_A_WAIT);
	ck_assert_uint_eq(w, 2000 + CHAT_END_QUIET);
	ck_assert_int_eq(next_kind(&e, 3000, 0, 0, &w), CHAT_END_A_LEAVE);
}
END_TEST

/* Lines kept for a first peer hold the leaving until given up. */
START_TEST(end_backlog_holds_until_given_up)
{
	struct chat_end	e;
	uint64_t	w;

	quit_at(&e, 0);
	ck_assert_int_eq(next_kind(&e, 5000, 0, 3, &w), CHAT_END_A_WAIT);
	ck_assert_int_eq(next_kind(&e, 10000, 0, 3, &w), CHAT_END_A_GIVE_UP);
	/* The caller reported the lines; a leave follows at once. */
	ck_assert_int_eq(next_kind(&e, 10000, 0, 0, &w), CHAT_END_A_LEAVE);
}
END_TEST

/*
 * The first signal quits and waits for acknowledgements; the second
 * gives up at once, however recent the last progress.
 */
START_TEST(end_second_signal_gives_up_at_once)
{
	struct chat_end	e;
	uint64_t	w;

	chat_end_init(&e, 60);
	chat_end_joined(&e);
	chat_end_signal(&e, 1000);
	ck_assert(e.quitting);
	ck_assert(!chat_end_reading(&e));
	ck_assert_int_eq(next_kind(&e, 1000, 4, 0, &w), CHAT_END_A_WAIT);
	ck_assert_uint_eq(w, 61000);
	chat_end_progress(&e, 1200);
	chat_end_signal(&e, 1300);
	ck_assert_int_eq(next_kind(&e, 1300, 4, 0, &w), CHAT_END_A_GIVE_UP);
	ck_assert_int_eq(next_kind(&e, 1300, 0, 0, &w), CHAT_END_A_LEAVE);
}
END_TEST

/* After the Leave: stop on its answer, or after the wait without one. */
START_TEST(end_leave_answered_or_timed_out)
{
	struct chat_end	e;
	uint64_t	w;

	quit_at(&e, 0);
	ck_assert_int_eq(next_kind(&e, 2000, 0, 0, &w), CHAT_END_A_LEAVE);
	ck_assert_int_eq(next_kind(&e, 2500, 0, 0, &w), CHAT_END_A_WAIT);
	chat_end_stop(&e, 0);		/* the server answered */
	ck_assert_int_eq(next_kind(&e, 2500, 0, 0, &w), CHAT_END_A_DONE);
	ck_assert_int_eq(e.status, 0);

	quit_at(&e, 0);
	ck_assert_int_eq(next_kind(&e, 2000, 0, 0, &w), CHAT_END_A_LEAVE);
	ck_assert_int_eq(next_kind(&e, 3999, 0, 0, &w), CHAT_END_A_WAIT);
	ck_assert_uint_eq(w, 4000);
	ck_assert_int_eq(next_kind(&e, 4000, 0, 0, &w), CHAT_END_A_DONE);
	ck_assert_int_eq(next_kind(&e, 4001, 0, 0, &w), CHAT_END_A_DONE);
}
END_TEST

/*
 * Input ended before we registered: nothing is given up or left (an
 * unreachable server must still fail), and a failure keeps its status.
 */
START_TEST(end_nothing_to_leave_before_registering)
{
	struct chat_end		e;
	struct chat_end_action	a;
	uint64_t		w;

	chat_end_init(&e, 0);
	chat_end_eof(&e);
	ck_assert(!chat_end_reading(&e));
	ck_assert_int_eq(next_kind(&e, 100000, 0, 0, &w), CHAT_END_A_WAIT);
	chat_end_quit(&e, 100000);
	ck_assert_int_eq(next_kind(&e, 200000, 0, 0, &w), CHAT_END_A_WAIT);
	ck_assert_uint_eq(w, 0);
	chat_end_stop(&e, 1);
	chat_end_stop(&e, 0);		/* a later stop keeps the status */
	chat_end_next(&e, 200000, 0, 0, &a);
	ck_assert_int_eq(a.kind, CHAT_END_A_DONE);
	ck_assert_int_eq(a.status, 1);
}
END_TEST

/*
 * The server restarted and its new list lacks bob, whose session is up
 * on a path that answers (set here as the peer machine leaves it): no
 * "left", the chat goes on.  Once bob's path is lost and a round to find
 * it fails, he is reported gone ("timeout").  An explicit Leave of an
 * alive member closes it at once.
 */
START_TEST(end_room_keeps_a_member_the_server_forgot)
{
	struct chat_room	 r;
	struct chat_room_action	 a;
	struct chat_peer	*p;
	uint32_t		 id;
	int			 pass;

	for (pass = 0; pass < 2; pass++) {
		p = room_with_bob(&r, &id);
		p->state = CHAT_PEER_S_UP;
		p->punch.nominated = 0;
		ck_assert(chat_peer_alive(p));
		chat_room_members(&r, 1, NULL, 0, pass == 0 ?
		    STUN_RDV_EV_TIMEOUT : STUN_RDV_EV_LEAVE, 2, 1000);
		chat_room_next(&r, 1000, &a);
		if (pass == 1) {
			/* Its message is reported first, then the leave. */
			ck_assert_int_eq(a.kind, CHAT_ROOM_A_PEER);
			ck_assert_int_eq(a.pa.kind, CHAT_PEER_A_UNDELIVERED);
			chat_room_next(&r, 1000, &a);
			ck_assert_int_eq(a.kind, CHAT_ROOM_A_LEFT);
			ck_assert_str_eq(a.reason, "left");
			chat_room_free(&r);
			continue;
		}
		ck_assert_int_ne(a.kind, CHAT_ROOM_A_LEFT);
		ck_assert_ptr_eq(chat_room_peer(&r, 0), p);
		ck_assert_uint_eq(chat_room_pending(&r), 1);
		/* The path is lost, and the first round finds nothing. */
		p->punch.nominated = -1;
		p->punch.failed = 2;
		ck_assert(!chat_peer_alive(p));
		do
			chat_room_next(&r, 2000, &a);
		while (a.kind == CHAT_ROOM_A_PEER);
		ck_assert_int_eq(a.kind, CHAT_ROOM_A_LEFT);
		ck_assert_str_eq(a.reason, "timeout");
		ck_assert_uint_eq(chat_room_pending(&r), 0);
		chat_room_free(&r);
	}
}
END_TEST

/*
 * Quit twice before the first registration (the server does not
 * answer): the lines kept are given up and p2pchat stops at once, with
 * status 0, rather than waiting for the Register to time out.
 */
START_TEST(end_second_quit_before_registering_stops)
{
	struct chat_end		e;
	struct chat_end_action	a;
	uint64_t		w;

	chat_end_init(&e, CHAT_END_LINGER);
	chat_end_signal(&e, 1000);
	ck_assert_int_eq(next_kind(&e, 1000, 0, 2, &w), CHAT_END_A_WAIT);
	ck_assert_int_eq(next_kind(&e, 5000, 0, 2, &w), CHAT_END_A_WAIT);
	chat_end_signal(&e, 5000);
	ck_assert_int_eq(next_kind(&e, 5000, 0, 2, &w), CHAT_END_A_GIVE_UP);
	chat_end_next(&e, 5000, 0, 0, &a);
	ck_assert_int_eq(a.kind, CHAT_END_A_DONE);
	ck_assert_int_eq(a.status, 0);
}
END_TEST

/*
 * End of input with lines still buffered (the peers were busy): the
 * linger time counts from the last line offered, and leaving waits
 * until every line was taken (quit).
 */
START_TEST(end_eof_with_lines_still_buffered)
{
	struct chat_end	e;
	uint64_t	w;

	chat_end_init(&e, 5);
	chat_end_joined(&e);
	chat_end_progress(&e, 1000);
	chat_end_eof(&e);
	ck_assert(!chat_end_reading(&e));
	ck_assert_int_eq(next_kind(&e, 1000, 0, 0, &w), CHAT_END_A_WAIT);
	ck_assert_uint_eq(w, 6000);
	chat_end_quit(&e, 3000);
	ck_assert_int_eq(next_kind(&e, 3000, 0, 0, &w), CHAT_END_A_LEAVE);
}
END_TEST

Suite *
suite_chat_end(void)
{
	Suite	*s = suite_create("chat_end");
	TCase	*tc = tcase_create("end");

	tcase_add_test(tc, end_eof_waits_for_pending_messages);
	tcase_add_test(tc, end_linger_expiry_reports_undelivered);
	tcase_add_test(tc, end_leaves_in_a_quiet_moment);
	tcase_add_test(tc, end_backlog_holds_until_given_up);
	tcase_add_test(tc, end_second_signal_gives_up_at_once);
	tcase_add_test(tc, end_leave_answered_or_timed_out);
	tcase_add_test(tc, end_nothing_to_leave_before_registering);
	tcase_add_test(tc, end_second_quit_before_registering_stops);
	tcase_add_test(tc, end_room_keeps_a_member_the_server_forgot);
	tcase_add_test(tc, end_eof_with_lines_still_buffered);
	suite_add_tcase(s, tc);
	return (s);
}
