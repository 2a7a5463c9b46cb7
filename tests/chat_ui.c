/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * suite_chat_ui: the I/O-free parts of p2pchat's terminal UI, under the
 * C.UTF-8 locale: what untrusted text may reach the screen, widths and
 * cells (wide and combining characters), where rows wrap, and the input
 * line (cursor moves by cells and words, kills and yank, history,
 * completion, the horizontal view).
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <check.h>

#include "chat/uitext.h"
#include "chat/uiedit.h"
#include "chat_suites.h"

static void
utf8_locale(void)
{
	ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C.UTF-8"));
}

/* Decode a C string; returns the count, out NUL-terminated. */
static size_t
dec(const char *s, wchar_t *out, size_t cap)
{
	size_t	n;

	n = ui_text_decode((const uint8_t *)s, strlen(s), out, cap - 1);
	out[n] = L'\0';
	return (n);
}

static struct ui_edit *
ed_new(const wchar_t *s)
{
	struct ui_edit	*e;

	e = malloc(sizeof(*e));
	ck_assert_ptr_nonnull(e);
	ui_edit_init(e);
	for (; *s != L'\0'; s++)
		ck_assert_int_eq(ui_edit_insert(e, *s), 0);
	return (e);
}

static void
ed_is(struct ui_edit *e, const wchar_t *s, size_t cur)
{
	ck_assert_uint_eq(e->len, wcslen(s));
	ck_assert(wmemcmp(e->buf, s, e->len) == 0);
	ck_assert_uint_eq(e->cur, cur);
}

static void
ed_free(struct ui_edit *e)
{
	ui_edit_free(e);
	free(e);
}

/* Text. */

START_TEST(text_decode_replaces_controls_escapes_and_bad_bytes)
{
	wchar_t	out[64];

	dec("a\033[2Jb\tc\x7f" "d\xc2\x85" "e\xff" "f", out, 64);
	ck_assert(wcscmp(out, L"a?[2Jb c?d?e?f") == 0);
}
END_TEST

START_TEST(text_decode_replaces_bidi_overrides)
{
	wchar_t	out[64];

	dec("abc\xe2\x80\xae" "def\xe2\x81\xa6", out, 64);
	ck_assert(wcscmp(out, L"abc?def?") == 0);
}
END_TEST

START_TEST(text_decode_keeps_marks_on_a_base_only)
{
	wchar_t	out[64];

	/* A mark first has nothing to join; past four, marks are dropped. */
	dec("\xcc\x81" "e\xcc\x81\xcc\x82\xcc\x83\xcc\x84\xcc\x85" "x", out,
	    64);
	ck_assert(wcscmp(out, L"e\x0301\x0302\x0303\x0304x") == 0);
}
END_TEST

START_TEST(text_encode_round_trips_and_never_cuts_a_character)
{
	const char	*s = "日本😀e\xcc\x81!";
	wchar_t		 w[16];
	uint8_t		 out[32];
	size_t		 n;

	n = dec(s, w, 16);
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(ui_text_encode(w, n, out, sizeof(out)), strlen(s));
	ck_assert(memcmp(out, s, strlen(s)) == 0);
	/* 3 + 3 + 4: the emoji does not fit in 9 bytes. */
	ck_assert_uint_eq(ui_text_encode(w, n, out, 9), 6);
}
END_TEST

START_TEST(text_widths_count_columns_not_characters)
{
	wchar_t	w[16];
	size_t	n;

	n = dec("日本😀 e\xcc\x81", w, 16);
	ck_assert_uint_eq(ui_text_width(w, 0, n), 2 + 2 + 2 + 1 + 1);
	ck_assert_int_eq(ui_text_wcw(L'\t'), 1);
	ck_assert_int_eq(ui_text_wcw(0x0301), 0);
}
END_TEST

START_TEST(text_cells_keep_a_character_with_its_marks)
{
	wchar_t	w[16];
	size_t	n;

	n = dec("ae\xcc\x81\xcc\x82" "b", w, 16);	/* a, e + 2 marks, b */
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(ui_text_next(w, n, 1), 4);
	ck_assert_uint_eq(ui_text_prev(w, n, 4), 1);
	ck_assert_uint_eq(ui_text_prev(w, n, 1), 0);
	ck_assert_uint_eq(ui_text_next(w, n, 4), 5);
}
END_TEST

START_TEST(text_fit_wraps_wide_text_by_columns)
{
	wchar_t	w[64];
	size_t	n, end, used, i;

	/* 15 columns of prefix, then 40 CJK: 65 columns hold 32 of them. */
	wcscpy(w, L"hh:mm:ss <bob> ");
	for (i = 0; i < 40; i++)
		w[15 + i] = 0x6f22;
	n = 55;
	end = ui_text_fit(w, n, 0, 80, 1, &used);
	ck_assert_uint_eq(end, 15 + 32);
	ck_assert_uint_eq(used, 79);
	end = ui_text_fit(w, n, 0, 48, 1, &used);
	ck_assert_uint_eq(end, 15 + 16);
}
END_TEST

START_TEST(text_fit_breaks_at_spaces_and_cuts_long_words)
{
	wchar_t	w[] = L"hello world abcdefghijklmnop";
	size_t	n = wcslen(w), end, used;

	end = ui_text_fit(w, n, 0, 8, 1, &used);
	ck_assert_uint_eq(end, 6);		/* "hello " */
	end = ui_text_fit(w, n, 0, 8, 0, &used);
	ck_assert_uint_eq(end, 8);		/* no wrap: "hello wo" */
	/* A word longer than a row is cut where the row ends. */
	end = ui_text_fit(w, n, 12, 8, 1, &used);
	ck_assert_uint_eq(end, 20);
	/* A wide character in one column: skipped, never a loop. */
	end = ui_text_fit(L"\x6f22", 1, 0, 1, 1, &used);
	ck_assert_uint_eq(end, 1);
}
END_TEST

/* The input line. */

START_TEST(edit_moves_by_cells_and_inserts_at_the_cursor)
{
	struct ui_edit	*e = ed_new(L"cafe\x0301!");

	ed_is(e, L"cafe\x0301!", 6);
	ck_assert(ui_edit_key(e, UI_K_LEFT));
	ck_assert(ui_edit_key(e, UI_K_LEFT));
	ck_assert_uint_eq(e->cur, 3);		/* before e + acute */
	ck_assert_int_eq(ui_edit_insert(e, L'X'), 0);
	ed_is(e, L"cafXe\x0301!", 4);
	ck_assert(ui_edit_key(e, UI_K_HOME));
	ck_assert_uint_eq(e->cur, 0);
	ck_assert(!ui_edit_key(e, UI_K_LEFT));
	ck_assert(ui_edit_key(e, UI_K_END));
	ck_assert_uint_eq(e->cur, 7);
	ck_assert(ui_edit_key(e, UI_K_BS));
	ck_assert(ui_edit_key(e, UI_K_BS));	/* e and its mark */
	ed_is(e, L"cafX", 4);
	ed_free(e);
}
END_TEST

START_TEST(edit_refuses_controls_and_a_leading_mark)
{
	struct ui_edit	*e = ed_new(L"");

	ck_assert_int_eq(ui_edit_insert(e, 0x0301), -1);
	ck_assert_int_eq(ui_edit_insert(e, 0x1b), -1);
	ck_assert_int_eq(ui_edit_insert(e, 0x85), -1);
	ck_assert_int_eq(ui_edit_insert(e, L'\t'), 0);
	ed_is(e, L"\t", 1);
	ed_free(e);
}
END_TEST

START_TEST(edit_is_bounded)
{
	struct ui_edit	*e = ed_new(L"");
	size_t		 i;

	for (i = 0; i < UI_EDIT_MAX; i++)
		ck_assert_int_eq(ui_edit_insert(e, L'x'), 0);
	ck_assert_int_eq(ui_edit_insert(e, L'x'), -1);
	ck_assert_uint_eq(e->len, UI_EDIT_MAX);
	ed_free(e);
}
END_TEST

START_TEST(edit_words_kills_and_yank)
{
	struct ui_edit	*e = ed_new(L"send it now");

	ck_assert(ui_edit_key(e, UI_K_WLEFT));
	ck_assert_uint_eq(e->cur, 8);
	ck_assert(ui_edit_key(e, UI_K_WLEFT));
	ck_assert_uint_eq(e->cur, 5);
	ck_assert(ui_edit_key(e, UI_K_WRIGHT));
	ck_assert_uint_eq(e->cur, 7);
	ck_assert(ui_edit_key(e, UI_K_KILL_EOL));
	ed_is(e, L"send it", 7);
	ck_assert(ui_edit_key(e, UI_K_WBS));
	ed_is(e, L"send ", 5);
	ck_assert(ui_edit_key(e, UI_K_HOME));
	ck_assert(ui_edit_key(e, UI_K_YANK));
	ed_is(e, L"itsend ", 2);
	ck_assert(ui_edit_key(e, UI_K_KILL_BOL));
	ed_is(e, L"send ", 0);
	ck_assert(ui_edit_key(e, UI_K_WDEL));
	ed_is(e, L" ", 0);
	ed_free(e);
}
END_TEST

START_TEST(edit_transposes_cells)
{
	struct ui_edit	*e = ed_new(L"ab\x65\x0301");

	ck_assert(ui_edit_key(e, UI_K_TRANSPOSE));	/* at the end */
	ed_is(e, L"a\x65\x0301" "b", 4);
	ed_free(e);
}
END_TEST

START_TEST(edit_history_keeps_the_line_being_typed)
{
	struct ui_edit	*e = ed_new(L"first");
	wchar_t		 out[16];
	size_t		 n;

	ui_edit_take(e, out, 16, &n);
	ck_assert_uint_eq(n, 5);
	ed_is(e, L"", 0);
	(void)ui_edit_insert(e, L'2');
	ui_edit_take(e, out, 16, &n);
	(void)ui_edit_insert(e, L'2');
	ui_edit_take(e, out, 16, &n);		/* the same again: kept once */
	ck_assert_uint_eq(e->nhist, 2);
	(void)ui_edit_insert(e, L'd');
	ck_assert(ui_edit_key(e, UI_K_UP));
	ed_is(e, L"2", 1);
	ck_assert(ui_edit_key(e, UI_K_UP));
	ed_is(e, L"first", 5);
	ck_assert(!ui_edit_key(e, UI_K_UP));
	ck_assert(ui_edit_key(e, UI_K_DOWN));
	ck_assert(ui_edit_key(e, UI_K_DOWN));
	ed_is(e, L"d", 1);			/* the draft is back */
	ck_assert(!ui_edit_key(e, UI_K_DOWN));
	ed_free(e);
}
END_TEST

START_TEST(edit_history_is_bounded)
{
	struct ui_edit	*e = ed_new(L"");
	wchar_t		 out[8];
	size_t		 n;
	unsigned	 i;

	for (i = 0; i < UI_EDIT_HIST + 20; i++) {
		(void)ui_edit_insert(e, (wchar_t)(L'A' + i % 2));
		(void)ui_edit_insert(e, (wchar_t)(L'0' + i % 10));
		ui_edit_take(e, out, 8, &n);
	}
	ck_assert_uint_eq(e->nhist, UI_EDIT_HIST);
	ed_free(e);
}
END_TEST

START_TEST(edit_completes_one_name)
{
	const wchar_t	*names[] = { L"alice", L"albert", L"bob" };
	size_t		 lens[] = { 5, 6, 3 };
	struct ui_edit	*e = ed_new(L"b");

	ck_assert(ui_edit_complete(e, names, lens, 3));
	ed_is(e, L"bob: ", 5);
	ed_free(e);
	e = ed_new(L"hi al");
	ck_assert(!ui_edit_complete(e, names, lens, 3));	/* two match */
	(void)ui_edit_insert(e, L'i');
	ck_assert(ui_edit_complete(e, names, lens, 3));
	ed_is(e, L"hi alice ", 9);
	ed_free(e);
}
END_TEST

START_TEST(edit_view_keeps_the_cursor_in_sight)
{
	struct ui_edit	*e = ed_new(L"");
	size_t		 from, to, col, i;

	for (i = 0; i < 30; i++)
		(void)ui_edit_insert(e, 0x6f22);	/* 60 columns */
	ui_edit_view(e, 20, &from, &to, &col);
	ck_assert_uint_eq(to, 30);
	ck_assert_uint_le(ui_text_width(e->buf, from, to), 20);
	ck_assert_uint_eq(col, ui_text_width(e->buf, from, e->cur));
	ck_assert_uint_lt(col, 20);
	ck_assert(ui_edit_key(e, UI_K_HOME));
	ui_edit_view(e, 20, &from, &to, &col);
	ck_assert_uint_eq(from, 0);
	ck_assert_uint_eq(col, 0);
	ck_assert_uint_eq(to, 10);
	/* Short again: all of it shows. */
	ck_assert(ui_edit_key(e, UI_K_END));
	ui_edit_view(e, 20, &from, &to, &col);
	for (i = 0; i < 25; i++)
		(void)ui_edit_key(e, UI_K_BS);
	ui_edit_view(e, 20, &from, &to, &col);
	ck_assert_uint_eq(from, 0);
	ck_assert_uint_eq(col, 10);
	ed_free(e);
}
END_TEST

Suite *
suite_chat_ui(void)
{
	Suite	*s = suite_create("chat_ui");
	TCase	*tc;

	tc = tcase_create("text");
	tcase_add_checked_fixture(tc, utf8_locale, NULL);
	tcase_add_test(tc, text_decode_replaces_controls_escapes_and_bad_bytes);
	tcase_add_test(tc, text_decode_replaces_bidi_overrides);
	tcase_add_test(tc, text_decode_keeps_marks_on_a_base_only);
	tcase_add_test(tc,
	    text_encode_round_trips_and_never_cuts_a_character);
	tcase_add_test(tc, text_widths_count_columns_not_characters);
	tcase_add_test(tc, text_cells_keep_a_character_with_its_marks);
	tcase_add_test(tc, text_fit_wraps_wide_text_by_columns);
	tcase_add_test(tc, text_fit_breaks_at_spaces_and_cuts_long_words);
	suite_add_tcase(s, tc);

	tc = tcase_create("edit");
	tcase_add_checked_fixture(tc, utf8_locale, NULL);
	tcase_add_test(tc, edit_moves_by_cells_and_inserts_at_the_cursor);
	tcase_add_test(tc, edit_refuses_controls_and_a_leading_mark);
	tcase_add_test(tc, edit_is_bounded);
	tcase_add_test(tc, edit_words_kills_and_yank);
	tcase_add_test(tc, edit_transposes_cells);
	tcase_add_test(tc, edit_history_keeps_the_line_being_typed);
	tcase_add_test(tc, edit_history_is_bounded);
	tcase_add_test(tc, edit_completes_one_name);
	tcase_add_test(tc, edit_view_keeps_the_cursor_in_sight);
	suite_add_tcase(s, tc);
	return (s);
}
