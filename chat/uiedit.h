/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's input line, without I/O: a line of wide characters with a
 * cursor that moves by cells (a character and its combining marks) and
 * words, Emacs-style editing keys, a history of the lines entered, name
 * completion, and the part of the line that fits the screen.  The
 * terminal front end (ui.c) turns keys into UI_K_* and draws the view.
 */
#ifndef CHAT_UIEDIT_H
#define CHAT_UIEDIT_H

#include <stddef.h>
#include <wchar.h>

/* The longest line: its UTF-8 stays within one chat message. */
#define UI_EDIT_MAX	16384
#define UI_EDIT_HIST	100	/* lines kept for Up and Down */

/* Editing keys. */
#define UI_K_LEFT	1
#define UI_K_RIGHT	2
#define UI_K_HOME	3
#define UI_K_END	4
#define UI_K_WLEFT	5	/* a word left (M-b, C-Left) */
#define UI_K_WRIGHT	6	/* a word right (M-f, C-Right) */
#define UI_K_BS		7	/* the cell before the cursor */
#define UI_K_DEL	8	/* the cell under the cursor */
#define UI_K_WBS	9	/* C-w: back to the start of the word */
#define UI_K_WDEL	10	/* M-d: to the end of the word */
#define UI_K_KILL_BOL	11	/* C-u */
#define UI_K_KILL_EOL	12	/* C-k */
#define UI_K_YANK	13	/* C-y: what the last kill removed */
#define UI_K_UP		14	/* older history */
#define UI_K_DOWN	15	/* newer history, then the line being typed */
#define UI_K_TRANSPOSE	16	/* C-t */

struct ui_edit {
	wchar_t		 buf[UI_EDIT_MAX];
	size_t		 len;
	size_t		 cur;		/* index in buf, at a cell start */
	size_t		 off;		/* first index shown */
	wchar_t		*kill;		/* the last text killed */
	size_t		 killlen;
	wchar_t		*hist[UI_EDIT_HIST];	/* oldest first */
	size_t		 histlen[UI_EDIT_HIST];
	unsigned	 nhist;
	unsigned	 hpos;		/* nhist: the line being typed */
	wchar_t		*draft;		/* that line, while in history */
	size_t		 draftlen;
};

void	ui_edit_init(struct ui_edit *);
void	ui_edit_free(struct ui_edit *);
/*
 * Insert c at the cursor (a combining mark only after a character).
 * Returns 0, or -1 when the line is full or c cannot be typed.
 */
int	ui_edit_insert(struct ui_edit *, wchar_t c);
/* Apply a UI_K_* key; returns 1 when the line or cursor changed. */
int	ui_edit_key(struct ui_edit *, int key);
/*
 * Enter: the line is copied to out (at most cap characters, *n of them),
 * kept in the history when not empty nor the same as the last, and the
 * input line is emptied.
 */
void	ui_edit_take(struct ui_edit *, wchar_t *out, size_t cap, size_t *n);
/*
 * Complete the word before the cursor to the one of n names that starts
 * with it (a space follows, or ": " at the start of the line).  Returns 1
 * when it completed, 0 when no single name matched.
 */
int	ui_edit_complete(struct ui_edit *, const wchar_t *const *names,
	    const size_t *lens, unsigned n);
/*
 * The part to show in cols columns: buf[*from..*to) and the cursor's
 * column; keeps the cursor in view with as much text as fits.
 */
void	ui_edit_view(struct ui_edit *, size_t cols, size_t *from, size_t *to,
	    size_t *curcol);

#endif /* CHAT_UIEDIT_H */
