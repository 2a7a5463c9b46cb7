/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * What the two halves of p2pchat's terminal front end share: ui.c owns
 * the screen (curses, keys, the message pane, suspend and resize), uimsg.c
 * says what is shown (events, commands, the status line).
 */
#ifndef CHAT_UI_H
#define CHAT_UI_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"

/* Kinds of lines in the message pane. */
#define UI_L_NOTE	0	/* "-- bob joined" */
#define UI_L_MSG	1	/* a message from a peer */
#define UI_L_SELF	2	/* a message of ours */
#define UI_L_WARN	3	/* something did not work */
#define UI_L_LOG	4	/* a line p2pchat logged */

struct chat_ctx;
struct chat_event;

/* ui.c, for uimsg.c: one pane line at a time, stamped with the time. */
void	ui_begin(int kind);
void	ui_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Bytes from the network: shown with control characters replaced. */
void	ui_addn(const void *buf, size_t len);
void	ui_addaddr(const struct stun_addr *);
void	ui_end(void);
/* Something changed: redraw once the event loop is done with this turn. */
void	ui_dirty(void);
/*
 * The user is leaving: the lines from here on are printed again on the
 * terminal after the screen is given back (what was not delivered).
 */
void	ui_leaving(void);

/* uimsg.c, for ui.c. */
void	ui_msg_start(struct chat_ctx *);
void	ui_msg_event(const struct chat_event *);
/* A line entered (UTF-8): a command or a message. */
void	ui_msg_line(const uint8_t *buf, size_t len);
/* Control-C, or Control-D on an empty line: /quit. */
void	ui_msg_quit(void);
/* Once a turn of the event loop is over: what needed the whole turn. */
void	ui_msg_settle(void);
/* A while after the start: is the room there yet? */
void	ui_msg_slow(void);
/* The status line, as UTF-8 in buf; scrolled: the pane is scrolled back. */
void	ui_msg_status(char *buf, size_t cap, int scrolled);
/* The names of the peers, for completion; returns how many. */
unsigned ui_msg_names(const char **names, unsigned max);

#endif /* CHAT_UI_H */
