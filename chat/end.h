/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * How p2pchat ends, without I/O: input ends (end of file, /quit, a
 * signal), what was typed is delivered while things move, what is left
 * after the linger time without progress is given up (reported, never
 * lost), the room is left in a quiet moment, and the program stops once
 * the rendezvous server answered the Leave or after a bounded wait.  The
 * rendezvous server going away ends nothing: only the user does.  The
 * caller reports what happens and drains actions.
 */
#ifndef CHAT_END_H
#define CHAT_END_H

#include <stdint.h>

#define CHAT_END_LINGER		10	/* s to wait for acks at the end */
#define CHAT_END_LEAVE_WAIT	2000	/* ms for the Leave answer */
#define CHAT_END_QUIET		1000	/* ms without messages before leaving */

/* Actions from chat_end_next(). */
#define CHAT_END_A_WAIT		0	/* nothing; wake at .wake (0: none) */
#define CHAT_END_A_GIVE_UP	1	/* report every message still queued
					   or kept as undelivered */
#define CHAT_END_A_LEAVE	2	/* close the peers, deallocate, send
					   the Leave, say goodbye */
#define CHAT_END_A_DONE		3	/* stop with exit status .status */

struct chat_end_action {
	int		 kind;
	int		 status;	/* DONE */
	uint64_t	 wake;		/* WAIT */
};

struct chat_end {
	uint64_t	 linger;	/* ms without progress: give up */
	int		 joined;	/* registered: a room to leave */
	int		 eof;		/* no more input will come */
	int		 quitting;	/* every line was taken: drain, leave */
	int		 hurry;		/* a second signal: give up now */
	int		 giving_up;	/* lines left are reported, not sent */
	uint64_t	 progress_at;	/* last line taken or message settled */
	uint64_t	 rx_at;		/* last message received */
	int		 leaving;
	uint64_t	 leave_at;
	int		 done;
	int		 status;
};

/* linger: seconds without progress at the end before giving up. */
void	chat_end_init(struct chat_end *e, unsigned linger);
/* We registered in the room. */
void	chat_end_joined(struct chat_end *e);
/* Input ended; lines already read may still be on their way. */
void	chat_end_eof(struct chat_end *e);
/* Nothing more to take from the user (/quit, or all input taken). */
void	chat_end_quit(struct chat_end *e, uint64_t now);
/*
 * SIGINT or SIGTERM (or /quit): the first quits, the second gives up at
 * once, and before the first registration stops at once too.
 */
void	chat_end_signal(struct chat_end *e, uint64_t now);
/* A line was offered, a peer came up, a message was settled. */
void	chat_end_progress(struct chat_end *e, uint64_t now);
/* A message came in: somebody is still talking to us. */
void	chat_end_rx(struct chat_end *e, uint64_t now);
/*
 * Stop (the Leave was answered, the rendezvous was lost, a fatal error):
 * status is the exit status, 0 keeps the one set before.
 */
void	chat_end_stop(struct chat_end *e, int status);
/*
 * Next action, given the messages still waiting for an answer over all
 * peers (pending) and the lines kept for a first peer (backlog); call
 * until CHAT_END_A_WAIT.  DONE repeats.
 */
void	chat_end_next(struct chat_end *e, uint64_t now, unsigned pending,
	    unsigned backlog, struct chat_end_action *a);
/* Is input still wanted (neither ended nor quit)? */
int	chat_end_reading(const struct chat_end *e);

#endif /* CHAT_END_H */
