/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Text for p2pchat's terminal, without I/O: UTF-8 from the network made
 * safe to show (no control characters, escapes or bidirectional
 * overrides), wide characters back to UTF-8, and layout by display width:
 * a cell is a base character with its combining marks, one or two columns
 * wide (wcwidth(3) under the user's locale).
 */
#ifndef CHAT_UITEXT_H
#define CHAT_UITEXT_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#define UI_TEXT_MARKS	4	/* combining marks shown per cell */

/*
 * Decode len bytes of untrusted UTF-8 into at most cap wide characters:
 * invalid bytes, control characters (a tab becomes a space), bidirectional
 * controls and characters the locale cannot show become '?', and a
 * combining mark with no base before it or past UI_TEXT_MARKS is dropped.
 * Returns how many were written.
 */
size_t	ui_text_decode(const uint8_t *s, size_t len, wchar_t *out,
	    size_t cap);
/*
 * Encode n wide characters as UTF-8 into at most cap bytes, never cutting
 * one in two; returns the bytes written.
 */
size_t	ui_text_encode(const wchar_t *s, size_t n, uint8_t *out, size_t cap);
/* Columns c takes: 0 for a combining mark, 1 or 2 (a tab counts 1). */
int	ui_text_wcw(wchar_t c);
/* The end of the cell that starts at i (i < n), past its marks. */
size_t	ui_text_next(const wchar_t *s, size_t n, size_t i);
/* The start of the cell that ends at i (i > 0). */
size_t	ui_text_prev(const wchar_t *s, size_t n, size_t i);
/* Columns s[from..to) takes. */
size_t	ui_text_width(const wchar_t *s, size_t from, size_t to);
/*
 * Where to end a row that starts at s[from] and has cols columns: the end
 * of the last whole cell that fits.  With wrap set, a word that would be
 * cut and fits on a row of its own moves to the next row (a row may end
 * after a space or a wide character).  At least one cell when cols > 0;
 * *w is the columns used.
 */
size_t	ui_text_fit(const wchar_t *s, size_t n, size_t from, size_t cols,
	    int wrap, size_t *w);

#endif /* CHAT_UITEXT_H */
