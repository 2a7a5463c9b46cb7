/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's input line (uiedit.h): editing by cells and words, a kill
 * buffer, history, name completion and the horizontal view.  Every edit
 * keeps the cursor at the start of a cell.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "chat/uitext.h"
#include "chat/uiedit.h"

void
ui_edit_init(struct ui_edit *e)
{
	memset(e, 0, sizeof(*e));
}

void
ui_edit_free(struct ui_edit *e)
{
	unsigned	i;

	for (i = 0; i < e->nhist; i++)
		free(e->hist[i]);
	free(e->kill);
	free(e->draft);
	ui_edit_init(e);
}

static wchar_t *
ui_edit_dup(const wchar_t *s, size_t n)
{
	wchar_t	*p;

	if ((p = calloc(n + 1, sizeof(*p))) != NULL && n > 0)
		wmemcpy(p, s, n);
	return (p);
}

/* Put s into the line, the cursor at its end. */
static void
ui_edit_set(struct ui_edit *e, const wchar_t *s, size_t n)
{
	if (n > UI_EDIT_MAX)
		n = UI_EDIT_MAX;
	if (n > 0)
		wmemcpy(e->buf, s, n);
	e->len = e->cur = n;
	e->off = 0;
}

int
ui_edit_insert(struct ui_edit *e, wchar_t c)
{
	int	w = ui_text_wcw(c);

	if (e->len == UI_EDIT_MAX)
		return (-1);
	if (c != L'\t' && (c < 0x20 || (c >= 0x7f && c < 0xa0) ||
	    wcwidth(c) < 0))
		return (-1);
	if (w == 0 && e->cur == 0)
		return (-1);	/* a mark needs a character before it */
	wmemmove(e->buf + e->cur + 1, e->buf + e->cur, e->len - e->cur);
	e->buf[e->cur++] = c;
	e->len++;
	/* The cursor stays at a cell start: after any marks of this cell. */
	while (e->cur < e->len && ui_text_wcw(e->buf[e->cur]) == 0)
		e->cur++;
	return (0);
}

/* Remove buf[from..to), keeping it in the kill buffer when kill is set. */
static void
ui_edit_cut(struct ui_edit *e, size_t from, size_t to, int kill)
{
	wchar_t	*k;

	if (from >= to)
		return;
	if (kill && (k = ui_edit_dup(e->buf + from, to - from)) != NULL) {
		free(e->kill);
		e->kill = k;
		e->killlen = to - from;
	}
	wmemmove(e->buf + from, e->buf + to, e->len - to);
	e->len -= to - from;
	e->cur = from;
}

static int
ui_edit_wordc(wchar_t c)
{
	return (iswalnum((wint_t)c) || c == L'_');
}

static size_t
ui_edit_wleft(const struct ui_edit *e)
{
	size_t	i = e->cur;

	while (i > 0 && !ui_edit_wordc(e->buf[ui_text_prev(e->buf, e->len,
	    i)]))
		i = ui_text_prev(e->buf, e->len, i);
	while (i > 0 && ui_edit_wordc(e->buf[ui_text_prev(e->buf, e->len,
	    i)]))
		i = ui_text_prev(e->buf, e->len, i);
	return (i);
}

static size_t
ui_edit_wright(const struct ui_edit *e)
{
	size_t	i = e->cur;

	while (i < e->len && !ui_edit_wordc(e->buf[i]))
		i = ui_text_next(e->buf, e->len, i);
	while (i < e->len && ui_edit_wordc(e->buf[i]))
		i = ui_text_next(e->buf, e->len, i);
	return (i);
}

/* C-w: back over spaces, then over what is not a space. */
static size_t
ui_edit_rubout(const struct ui_edit *e)
{
	size_t	i = e->cur;

	while (i > 0 && iswspace((wint_t)e->buf[i - 1]))
		i = ui_text_prev(e->buf, e->len, i);
	while (i > 0 && !iswspace((wint_t)e->buf[ui_text_prev(e->buf, e->len,
	    i)]))
		i = ui_text_prev(e->buf, e->len, i);
	return (i);
}

/* C-t: swap the cells around the cursor (the last two at the end). */
static int
ui_edit_transpose(struct ui_edit *e)
{
	wchar_t	tmp[1 + UI_TEXT_MARKS * 4];
	size_t	a, b, c, na, nb;

	if (e->cur == e->len)
		b = ui_text_prev(e->buf, e->len, e->cur);
	else
		b = e->cur;
	if (b == 0)
		return (0);
	a = ui_text_prev(e->buf, e->len, b);
	c = ui_text_next(e->buf, e->len, b);
	na = b - a;
	nb = c - b;
	if (na > sizeof(tmp) / sizeof(tmp[0]))
		return (0);
	wmemcpy(tmp, e->buf + a, na);
	wmemmove(e->buf + a, e->buf + b, nb);
	wmemcpy(e->buf + a + nb, tmp, na);
	e->cur = c;
	return (1);
}

static int
ui_edit_history(struct ui_edit *e, int older)
{
	if (older) {
		if (e->hpos == 0)
			return (0);
		if (e->hpos == e->nhist) {
			free(e->draft);
			e->draft = ui_edit_dup(e->buf, e->len);
			e->draftlen = e->draft != NULL ? e->len : 0;
		}
		e->hpos--;
		ui_edit_set(e, e->hist[e->hpos], e->histlen[e->hpos]);
		return (1);
	}
	if (e->hpos == e->nhist)
		return (0);
	if (++e->hpos < e->nhist)
		ui_edit_set(e, e->hist[e->hpos], e->histlen[e->hpos]);
	else {
		ui_edit_set(e, e->draft, e->draftlen);
		free(e->draft);
		e->draft = NULL;
		e->draftlen = 0;
	}
	return (1);
}

int
ui_edit_key(struct ui_edit *e, int key)
{
	size_t	was = e->cur, len = e->len, i;

	switch (key) {
	case UI_K_LEFT:
		if (e->cur > 0)
			e->cur = ui_text_prev(e->buf, e->len, e->cur);
		break;
	case UI_K_RIGHT:
		e->cur = ui_text_next(e->buf, e->len, e->cur);
		break;
	case UI_K_HOME:
		e->cur = 0;
		break;
	case UI_K_END:
		e->cur = e->len;
		break;
	case UI_K_WLEFT:
		e->cur = ui_edit_wleft(e);
		break;
	case UI_K_WRIGHT:
		e->cur = ui_edit_wright(e);
		break;
	case UI_K_BS:
		if (e->cur > 0)
			ui_edit_cut(e, ui_text_prev(e->buf, e->len, e->cur),
			    e->cur, 0);
		break;
	case UI_K_DEL:
		ui_edit_cut(e, e->cur, ui_text_next(e->buf, e->len, e->cur),
		    0);
		break;
	case UI_K_WBS:
		ui_edit_cut(e, ui_edit_rubout(e), e->cur, 1);
		break;
	case UI_K_WDEL:
		ui_edit_cut(e, e->cur, ui_edit_wright(e), 1);
		break;
	case UI_K_KILL_BOL:
		ui_edit_cut(e, 0, e->cur, 1);
		break;
	case UI_K_KILL_EOL:
		ui_edit_cut(e, e->cur, e->len, 1);
		break;
	case UI_K_YANK:
		for (i = 0; i < e->killlen; i++)
			if (ui_edit_insert(e, e->kill[i]) != 0)
				break;
		break;
	case UI_K_UP:
	case UI_K_DOWN:
		return (ui_edit_history(e, key == UI_K_UP));
	case UI_K_TRANSPOSE:
		return (ui_edit_transpose(e));
	}
	return (e->cur != was || e->len != len);
}

void
ui_edit_take(struct ui_edit *e, wchar_t *out, size_t cap, size_t *n)
{
	unsigned	last;
	wchar_t		*p;

	*n = e->len < cap ? e->len : cap;
	if (*n > 0)
		wmemcpy(out, e->buf, *n);
	last = e->nhist - 1;
	if (e->len > 0 && (e->nhist == 0 || e->histlen[last] != e->len ||
	    wmemcmp(e->hist[last], e->buf, e->len) != 0) &&
	    (p = ui_edit_dup(e->buf, e->len)) != NULL) {
		if (e->nhist == UI_EDIT_HIST) {
			free(e->hist[0]);
			memmove(e->hist, e->hist + 1,
			    (UI_EDIT_HIST - 1) * sizeof(e->hist[0]));
			memmove(e->histlen, e->histlen + 1,
			    (UI_EDIT_HIST - 1) * sizeof(e->histlen[0]));
			e->nhist--;
		}
		e->hist[e->nhist] = p;
		e->histlen[e->nhist++] = e->len;
	}
	e->hpos = e->nhist;
	free(e->draft);
	e->draft = NULL;
	e->draftlen = 0;
	e->len = e->cur = e->off = 0;
}

int
ui_edit_complete(struct ui_edit *e, const wchar_t *const *names,
    const size_t *lens, unsigned n)
{
	size_t		 start = e->cur, plen, k;
	unsigned	 i, match = n, found = 0;

	while (start > 0 && !iswspace((wint_t)e->buf[start - 1]))
		start--;
	plen = e->cur - start;
	if (plen == 0)
		return (0);
	for (i = 0; i < n; i++)
		if (lens[i] >= plen && wmemcmp(names[i], e->buf + start,
		    plen) == 0) {
			match = i;
			found++;
		}
	if (found != 1)
		return (0);
	for (k = plen; k < lens[match]; k++)
		if (ui_edit_insert(e, names[match][k]) != 0)
			return (1);
	if (start == 0)
		(void)ui_edit_insert(e, L':');
	(void)ui_edit_insert(e, L' ');
	return (1);
}

void
ui_edit_view(struct ui_edit *e, size_t cols, size_t *from, size_t *to,
    size_t *curcol)
{
	size_t	w, p, cw, used;

	if (e->off > e->cur)
		e->off = e->cur;
	if (cols == 0) {
		*from = *to = e->off;
		*curcol = 0;
		return;
	}
	/* The cursor needs its own column. */
	w = ui_text_width(e->buf, e->off, e->cur);
	while (e->off < e->cur && w + 1 > cols) {
		p = ui_text_next(e->buf, e->len, e->off);
		w -= ui_text_width(e->buf, e->off, p);
		e->off = p;
	}
	/* Scrolled while the rest would fit: show more of the start. */
	w = ui_text_width(e->buf, e->off, e->len);
	while (e->off > 0) {
		p = ui_text_prev(e->buf, e->len, e->off);
		cw = ui_text_width(e->buf, p, e->off);
		if (w + cw + 1 > cols)
			break;
		w += cw;
		e->off = p;
	}
	*from = e->off;
	*to = ui_text_fit(e->buf, e->len, e->off, cols, 0, &used);
	*curcol = ui_text_width(e->buf, e->off, e->cur);
}
