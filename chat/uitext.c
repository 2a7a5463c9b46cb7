/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Text for p2pchat's terminal (uitext.h): what may reach the screen, and
 * how many columns it takes.  Widths come from wcwidth(3), as the
 * terminal's own do; glibc's wchar_t is UCS-4 in every locale, so the
 * UTF-8 here is converted by hand.
 */
#include "config.h"

#include <wchar.h>
#include <wctype.h>

#include "common/json.h"
#include "chat/uitext.h"

/* Bidirectional embeddings, overrides and isolates: they can make text
 * after them read backwards (CVE-2021-42574). */
static int
ui_text_bidi(uint32_t c)
{
	return ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069));
}

int
ui_text_wcw(wchar_t c)
{
	int	w;

	if (c == L'\t')
		return (1);
	if ((w = wcwidth(c)) < 0)
		return (1);	/* shown as '?' */
	return (w > 2 ? 2 : w);
}

size_t
ui_text_decode(const uint8_t *s, size_t len, wchar_t *out, size_t cap)
{
	size_t		 i = 0, n, k, o = 0, marks = 0;
	uint32_t	 c;
	wchar_t		 w;

	while (i < len && o < cap) {
		n = json_utf8_len(s + i, len - i);
		if (n == 0) {
			out[o++] = L'?';
			marks = 0;
			i++;
			continue;
		}
		c = n == 1 ? s[i] : (uint32_t)(s[i] & (0x7f >> n));
		for (k = 1; k < n; k++)
			c = c << 6 | (s[i + k] & 0x3f);
		i += n;
		w = (wchar_t)c;
		if (c == '\t')
			w = L' ';
		else if (c < 0x20 || (c >= 0x7f && c < 0xa0) ||
		    ui_text_bidi(c) || wcwidth(w) < 0)
			w = L'?';
		if (wcwidth(w) == 0) {
			/* A mark joins the cell before it, if any. */
			if (o == 0 || marks == UI_TEXT_MARKS)
				continue;
			marks++;
		} else
			marks = 0;
		out[o++] = w;
	}
	return (o);
}

size_t
ui_text_encode(const wchar_t *s, size_t n, uint8_t *out, size_t cap)
{
	size_t		 i, o = 0, k;
	uint32_t	 c;

	for (i = 0; i < n; i++) {
		c = (uint32_t)s[i];
		if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			c = '?';
		k = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
		if (k > cap - o)
			break;
		switch (k) {
		case 1:
			out[o++] = (uint8_t)c;
			break;
		case 2:
			out[o++] = (uint8_t)(0xc0 | c >> 6);
			out[o++] = (uint8_t)(0x80 | (c & 0x3f));
			break;
		case 3:
			out[o++] = (uint8_t)(0xe0 | c >> 12);
			out[o++] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
			out[o++] = (uint8_t)(0x80 | (c & 0x3f));
			break;
		default:
			out[o++] = (uint8_t)(0xf0 | c >> 18);
			out[o++] = (uint8_t)(0x80 | (c >> 12 & 0x3f));
			out[o++] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
			out[o++] = (uint8_t)(0x80 | (c & 0x3f));
			break;
		}
	}
	return (o);
}

size_t
ui_text_next(const wchar_t *s, size_t n, size_t i)
{
	if (i < n)
		i++;
	while (i < n && ui_text_wcw(s[i]) == 0)
		i++;
	return (i);
}

size_t
ui_text_prev(const wchar_t *s, size_t n, size_t i)
{
	if (i > n)
		i = n;
	while (i > 0) {
		i--;
		if (ui_text_wcw(s[i]) != 0)
			break;
	}
	return (i);
}

size_t
ui_text_width(const wchar_t *s, size_t from, size_t to)
{
	size_t	w = 0;

	for (; from < to; from++)
		w += (size_t)ui_text_wcw(s[from]);
	return (w);
}

/* May a row end after this cell?  After a space, and between wide
 * (CJK) characters, which need no space to break. */
static int
ui_text_brk(wchar_t c)
{
	return (c == L' ' || ui_text_wcw(c) == 2);
}

/* Columns from s[i] to the next place a row may end (at most max). */
static size_t
ui_text_word(const wchar_t *s, size_t n, size_t i, size_t max)
{
	size_t	w = 0;

	for (; i < n && w <= max; i = ui_text_next(s, n, i)) {
		if (s[i] == L' ')
			break;
		w += (size_t)ui_text_wcw(s[i]);
		if (ui_text_brk(s[i]))
			break;
	}
	return (w);
}

size_t
ui_text_fit(const wchar_t *s, size_t n, size_t from, size_t cols, int wrap,
    size_t *w)
{
	size_t	i = from, next, cw, used = 0, brk = 0, brk_w = 0;

	while (i < n) {
		next = ui_text_next(s, n, i);
		cw = (size_t)ui_text_wcw(s[i]);
		if (used + cw > cols)
			break;
		used += cw;
		if (ui_text_brk(s[i])) {
			brk = next;
			brk_w = used;
		}
		i = next;
	}
	if (i == from && i < n && cols > 0) {
		/* A wide cell in one column: it cannot fit, skip it. */
		i = ui_text_next(s, n, i);
		used = 1;
	} else if (wrap && i < n && !ui_text_brk(s[i]) && brk > from &&
	    brk < i && ui_text_word(s, n, brk, cols) <= cols) {
		/* Do not cut a word that fits on a row of its own. */
		i = brk;
		used = brk_w;
	}
	*w = used;
	return (i);
}
