#!/bin/sh
# Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
#
# Write, on standard output, the C source that builds the files of
# p2pchat's web page into the program: each file given becomes a byte
# array (od and awk, nothing else), listed in web_assets[] by its name
# with its Content-Type.  Run by make; its output is never committed.
set -eu

echo '/* Made by chat/web/embed.sh from chat/web/: do not edit. */'
echo '#include <stddef.h>'
echo
echo '#include "chat/web.h"'
i=0
for f in "$@"; do
	[ -s "$f" ] || { echo "embed.sh: $f: missing or empty" >&2; exit 1; }
	echo
	echo "static const unsigned char web_a$i[] = {"
	od -An -v -tx1 "$f" | awk '
	    NF > 0 {
		s = "\t"
		for (i = 1; i <= NF; i++)
			s = s "0x" $i ","
		print s
	    }'
	echo "};"
	i=$((i + 1))
done
echo
echo "const struct web_asset web_assets[] = {"
i=0
for f in "$@"; do
	name=${f##*/}
	case $name in
	*.html)	type='text/html; charset=utf-8' ;;
	*.css)	type='text/css; charset=utf-8' ;;
	*.js)	type='text/javascript; charset=utf-8' ;;
	*.svg)	type='image/svg+xml' ;;
	*.png)	type='image/png' ;;
	*)	echo "embed.sh: $f: no Content-Type for this name" >&2
		exit 1 ;;
	esac
	echo "	{ \"/$name\", \"$type\", web_a$i, sizeof(web_a$i) },"
	i=$((i + 1))
done
echo "	{ NULL, NULL, NULL, 0 }"
echo "};"
