/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's file transfers (xfer.c): the files on disk behind the file
 * protocol's machines (chat/file.h) and each peer's bulk stream, for the
 * event loop (p2pchat.c), the options (setup.c) and the front ends.
 */
#ifndef CHAT_XFER_H
#define CHAT_XFER_H

#include <stddef.h>
#include <stdint.h>

struct chat_ctx;
struct chat_peer;

#define CHAT_XFER_MAX		16	/* transfers at a time, both ways */
#define CHAT_XFER_PROGRESS	500	/* ms between progress events */

/* setup.c: --send PATH, --accept-dir DIR.  0, or 1 after saying why. */
int	chat_xfer_opts(struct chat_ctx *, const char *send,
	    const char *accept_dir);
void	chat_xfer_free(struct chat_ctx *);

/* p2pchat.c, the event loop. */
/* A session with p came up (again): offer it the --send file. */
void	chat_xfer_up(struct chat_ctx *, struct chat_peer *p, uint64_t now);
/* A record of p's bulk stream. */
void	chat_xfer_record(struct chat_ctx *, struct chat_peer *p,
	    const uint8_t *buf, size_t len, uint64_t now);
/* p's transfers cannot go on (it left, failed, or its stream stalled). */
void	chat_xfer_gone(struct chat_ctx *, uint32_t peer_id,
	    const char *reason);
/* Every transfer ends (we leave). */
void	chat_xfer_give_up(struct chat_ctx *, const char *reason);
/* Feed file data to the bulk streams; returns how much moved. */
unsigned chat_xfer_pump(struct chat_ctx *, uint64_t now);
/*
 * Transfers still running, and the --send file when nobody took it yet
 * (kept: counted as lines kept for a first peer).
 */
unsigned chat_xfer_pending(struct chat_ctx *);
unsigned chat_xfer_kept(struct chat_ctx *);

/* The front ends. */
/*
 * Offer the file at path to the peer named to (NULL: every peer up).
 * 0, or -1 with err set.
 */
int	chat_xfer_send(struct chat_ctx *, const char *to, const char *path,
	    char *err, size_t errlen);
/*
 * Accept (yes) or refuse the oldest offer waiting for an answer, into
 * --accept-dir or the current directory.  0, or -1 with err set.
 */
int	chat_xfer_answer(struct chat_ctx *, int yes, char *err,
	    size_t errlen);

#endif /* CHAT_XFER_H */
