/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * p2pchat's file transfers: the disk side of the file protocol.  A file
 * is read in blocks into its peer's bulk stream as the window opens; a
 * received one is written to ".p2pchat-HASH.part" in the accept
 * directory, which a later offer of the same file resumes, and lands
 * under its safe name (never over another file) once the hash checks.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/clock.h"
#include "common/log.h"
#include "chat/p2pchat.h"
#include "chat/ctx.h"
#include "chat/file.h"
#include "chat/xfer.h"

#define XFER_BLOCK	(64 * 1024)	/* read from disk at a time */
#define XFER_CTL_MAX	(CHAT_FILE_OFFER_HDR + CHAT_FILE_NAME_MAX)
#define XFER_PART_LEN	(9 + 2 * CHAT_FILE_HASH_LEN + 6)
#define XFER_ALT_MAX	1000	/* "name (n).ext" tried up to n */
#define XFER_OFFERED	64

struct xfer {
	int		 used;
	int		 sending;
	int		 waiting;	/* an offer to us, not yet answered */
	uint32_t	 peer_id;
	char		 peer[CHAT_NAME_MAX + 1];	/* its name, kept */
	uint32_t	 gen;		/* of the peer's bulk stream */
	int		 fd;
	struct chat_file_tx tx;
	struct chat_file_rx rx;
	int		 rx_up;
	uint8_t		 ctl[XFER_CTL_MAX];	/* a record waiting for room */
	size_t		 ctllen;
	uint64_t	 t0, ev_at;
	char		 part[XFER_PART_LEN + 1];
	char		 path[1024];	/* ours, or where it landed */
	/*
	 * Read ahead (sending) or write behind (receiving): block holds
	 * bytes [boff, boff + blen) of the file.
	 */
	uint8_t		*block;
	uint64_t	 boff;
	size_t		 blen;
};

struct chat_xfers {
	char		*send_path;
	const char	*accept_dir;
	uint64_t	 send_size;
	uint8_t		 send_hash[CHAT_FILE_HASH_LEN];
	struct {
		uint32_t	 peer_id, gen;
	}		 offered[XFER_OFFERED];
	unsigned	 noffered;
	uint32_t	 next_xid;
	struct xfer	 x[CHAT_XFER_MAX];
	uint8_t		 rec[CHAT_PEER_MTU];
};

static struct chat_peer *
xfer_peer(struct chat_ctx *ctx, uint32_t id)
{
	struct chat_peer	*p;
	unsigned		 i;

	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++)
		if ((p = chat_room_peer(&ctx->room, i)) != NULL &&
		    p->id == id && p->state == CHAT_PEER_S_UP)
			return (p);
	return (NULL);
}

/* An event of kind about x: peer, file, size, offset and bytes so far. */
static void
xfer_event_init(struct chat_event *e, const struct xfer *x, int kind)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->peer_id = x->peer_id;
	e->peer = x->peer;
	e->sending = x->sending;
	e->id = x->sending ? x->tx.xid : x->rx.xid;
	e->file = x->sending ? x->tx.name : x->rx.name;
	e->size = x->sending ? x->tx.size : x->rx.size;
	e->offset = x->sending ? x->tx.from : x->rx.from;
	e->bytes = x->sending ? x->tx.off : x->rx.off;
}

static void
xfer_event(struct chat_ctx *ctx, struct xfer *x, int kind, uint64_t now)
{
	struct chat_event	 e;
	uint64_t		 ms;

	xfer_event_init(&e, x, kind);
	e.eta = -1;
	ms = now - x->t0;
	if (ms > 0 && e.bytes > e.offset) {
		e.rate = (e.bytes - e.offset) * 1000 / ms;
		if (e.rate > 0)
			e.eta = (int64_t)((e.size - e.bytes) / e.rate);
	}
	if (x->path[0] != '\0')
		e.path = x->path;
	chat_emit(ctx, &e);
}

/* Write what a receiving transfer holds in its block.  0 or -1. */
static int
xfer_flush(struct xfer *x)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < x->blen) {
		n = pwrite(x->fd, x->block + off, x->blen - off,
		    (off_t)(x->boff + off));
		if (n <= 0)
			return (-1);
		off += (size_t)n;
	}
	x->boff += x->blen;
	x->blen = 0;
	return (0);
}

/* The transfer ended: say how, forget it (a .part stays for a resume). */
static void
xfer_end(struct chat_ctx *ctx, struct xfer *x, const char *result,
    const char *reason, uint64_t now)
{
	struct chat_event	 e;
	struct chat_peer	*p;

	if (strcmp(result, "done") == 0)
		xfer_event(ctx, x, EV_PROGRESS, now);
	if ((p = xfer_peer(ctx, x->peer_id)) != NULL)
		log_debug("file: %s: sent %llu, again %llu (fast %llu), "
		    "timeouts %llu, reductions %llu, window %u, rtt %u us",
		    x->sending ? x->tx.name : x->rx.name,
		    (unsigned long long)p->bulk.st.sent,
		    (unsigned long long)p->bulk.st.resent,
		    (unsigned long long)p->bulk.st.fast,
		    (unsigned long long)p->bulk.st.timeouts,
		    (unsigned long long)p->bulk.st.reductions,
		    chat_bulk_cwnd(&p->bulk), chat_bulk_srtt(&p->bulk));
	xfer_event_init(&e, x, EV_FILE);
	e.result = result;
	e.reason = reason;
	if (x->path[0] != '\0' && (x->sending || strcmp(result, "done") == 0))
		e.path = x->path;
	chat_emit(ctx, &e);
	chat_end_progress(&ctx->end, now);
	/* What came stays for a resume. */
	if (!x->sending && x->fd != -1 && x->blen > 0 && xfer_flush(x) == -1)
		log_warn("%s: write", x->part);
	if (x->fd != -1)
		close(x->fd);
	if (x->rx_up)
		chat_file_rx_free(&x->rx);
	free(x->block);
	memset(x, 0, sizeof(*x));
	x->fd = -1;
}

/* A control record to the peer, now or when its stream has room. */
static void
xfer_ctl(struct chat_ctx *ctx, struct xfer *x, int n, uint64_t now)
{
	struct chat_peer	*p;

	if (n <= 0 || (size_t)n > sizeof(x->ctl))
		return;
	p = xfer_peer(ctx, x->peer_id);
	if (p != NULL && x->ctllen == 0 &&
	    chat_bulk_send(&p->bulk, ctx->xf->rec, (size_t)n, now) == 0)
		return;
	memcpy(x->ctl, ctx->xf->rec, (size_t)n);
	x->ctllen = (size_t)n;
}

static struct xfer *
xfer_new(struct chat_ctx *ctx, struct chat_peer *p, int sending,
    uint64_t now)
{
	struct xfer	*x;
	unsigned	 i;

	for (i = 0; i < CHAT_XFER_MAX; i++) {
		x = &ctx->xf->x[i];
		if (x->used)
			continue;
		memset(x, 0, sizeof(*x));
		x->used = 1;
		x->sending = sending;
		x->peer_id = p->id;
		snprintf(x->peer, sizeof(x->peer), "%s", p->name);
		x->gen = p->bulk.gen;
		x->fd = -1;
		x->t0 = x->ev_at = now;
		return (x);
	}
	return (NULL);
}

/* SHA-256 of fd's size bytes, read in blocks.  0 or -1 (errno). */
static int
xfer_hash(int fd, uint64_t size, uint8_t hash[CHAT_FILE_HASH_LEN])
{
	EVP_MD_CTX	*md;
	uint8_t		*b;
	uint64_t	 off = 0;
	ssize_t		 n;
	unsigned	 hl = 0;
	int		 rv = -1;

	if ((b = malloc(XFER_BLOCK)) == NULL)
		return (-1);
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	while (off < size) {
		n = pread(fd, b, size - off < XFER_BLOCK ? size - off :
		    XFER_BLOCK, (off_t)off);
		if (n <= 0) {
			if (n == 0)
				errno = EIO;	/* the file shrank */
			goto out;
		}
		if (EVP_DigestUpdate(md, b, (size_t)n) != 1)
			goto out;
		off += (uint64_t)n;
	}
	if (EVP_DigestFinal_ex(md, hash, &hl) == 1 && hl == CHAT_FILE_HASH_LEN)
		rv = 0;
 out:
	EVP_MD_CTX_free(md);
	free(b);
	return (rv);
}

/* Open a regular file to send: the fd, or -1 with err set. */
static int
xfer_open_src(const char *path, uint64_t *size, char *err, size_t errlen)
{
	struct stat	st;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return (-1);
	}
	*size = (uint64_t)st.st_size;
	return (fd);
}

static int
xfer_start_send(struct chat_ctx *ctx, struct chat_peer *p, const char *path,
    int fd, uint64_t size, const uint8_t *hash, uint64_t now)
{
	struct xfer	*x;
	const char	*base;

	if ((x = xfer_new(ctx, p, 1, now)) == NULL) {
		close(fd);
		return (-1);
	}
	x->fd = fd;
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	snprintf(x->path, sizeof(x->path), "%s", path);
	(void)chat_file_tx_init(&x->tx, ++ctx->xf->next_xid, base, size,
	    hash);
	xfer_ctl(ctx, x, chat_file_tx_offer(&x->tx, ctx->xf->rec,
	    sizeof(ctx->xf->rec)), now);
	xfer_event(ctx, x, EV_OFFER, now);
	return (0);
}

int
chat_xfer_opts(struct chat_ctx *ctx, const char *send, const char *dir)
{
	struct chat_xfers	*xf;
	struct stat		 st;
	char			 err[512];
	unsigned		 i;
	int			 fd, rv = 1;

	if ((xf = calloc(1, sizeof(*xf))) == NULL) {
		fprintf(stderr, "p2pchat: out of memory\n");
		return (1);
	}
	for (i = 0; i < CHAT_XFER_MAX; i++)
		xf->x[i].fd = -1;
	ctx->xf = xf;
	if (dir != NULL && (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "p2pchat: --accept-dir %s: %s\n", dir,
		    errno != 0 && !S_ISDIR(st.st_mode) ? strerror(errno) :
		    "not a directory");
		return (1);
	}
	xf->accept_dir = dir;
	if (send == NULL)
		return (0);
	/* Hashed once here, offered to each peer that comes. */
	if ((fd = xfer_open_src(send, &xf->send_size, err,
	    sizeof(err))) == -1) {
		fprintf(stderr, "p2pchat: --send %s\n", err);
		return (1);
	}
	if (xfer_hash(fd, xf->send_size, xf->send_hash) == -1)
		fprintf(stderr, "p2pchat: --send %s: %s\n", send,
		    strerror(errno));
	else if ((xf->send_path = strdup(send)) == NULL)
		fprintf(stderr, "p2pchat: out of memory\n");
	else
		rv = 0;
	close(fd);
	return (rv);
}

void
chat_xfer_free(struct chat_ctx *ctx)
{
	unsigned	i;

	if (ctx->xf == NULL)
		return;
	for (i = 0; i < CHAT_XFER_MAX; i++) {
		if (ctx->xf->x[i].fd != -1)
			close(ctx->xf->x[i].fd);
		if (ctx->xf->x[i].rx_up)
			chat_file_rx_free(&ctx->xf->x[i].rx);
		free(ctx->xf->x[i].block);
	}
	free(ctx->xf->send_path);
	free(ctx->xf);
	ctx->xf = NULL;
}

void
chat_xfer_up(struct chat_ctx *ctx, struct chat_peer *p, uint64_t now)
{
	struct chat_xfers	*xf = ctx->xf;
	char			 err[512];
	uint64_t		 size;
	unsigned		 i;
	int			 fd;

	if (xf == NULL || xf->send_path == NULL)
		return;
	for (i = 0; i < xf->noffered; i++)
		if (xf->offered[i].peer_id == p->id &&
		    xf->offered[i].gen == p->bulk.gen)
			return;
	if (xf->noffered == XFER_OFFERED)
		return;
	xf->offered[xf->noffered].peer_id = p->id;
	xf->offered[xf->noffered++].gen = p->bulk.gen;
	if ((fd = xfer_open_src(xf->send_path, &size, err,
	    sizeof(err))) == -1 || size != xf->send_size) {
		if (fd != -1)
			close(fd);
		log_warnx("--send %s: %s", xf->send_path, fd == -1 ? err :
		    "the file changed");
		return;
	}
	if (xfer_start_send(ctx, p, xf->send_path, fd, size, xf->send_hash,
	    now) == -1)
		log_warnx("--send %s: too many transfers", xf->send_path);
}

int
chat_xfer_send(struct chat_ctx *ctx, const char *to, const char *path,
    char *err, size_t errlen)
{
	struct chat_peer	*p;
	uint8_t			 hash[CHAT_FILE_HASH_LEN];
	uint64_t		 size;
	unsigned		 i, n = 0;
	int			 fd, fd2;

	if ((fd = xfer_open_src(path, &size, err, errlen)) == -1)
		return (-1);
	if (xfer_hash(fd, size, hash) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return (-1);
	}
	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++) {
		p = chat_room_peer(&ctx->room, i);
		if (p == NULL || p->state != CHAT_PEER_S_UP ||
		    (to != NULL && strcmp(p->name, to) != 0))
			continue;
		if ((fd2 = dup(fd)) == -1 || xfer_start_send(ctx, p, path,
		    fd2, size, hash, clock_ms()) == -1) {
			snprintf(err, errlen, "too many transfers");
			close(fd);
			return (-1);
		}
		n++;
	}
	close(fd);
	if (n == 0) {
		snprintf(err, errlen, to != NULL ? "nobody named %s is here" :
		    "nobody in the room%s", to != NULL ? to : "");
		return (-1);
	}
	return (0);
}

static int
xfer_dirfd(struct chat_ctx *ctx)
{
	return (open(ctx->xf->accept_dir != NULL ? ctx->xf->accept_dir : ".",
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

/* ".p2pchat-HEX.part" for the offered hash. */
static void
xfer_part_name(struct xfer *x)
{
	static const char	 hex[] = "0123456789abcdef";
	char			*q;
	unsigned		 i;

	memcpy(x->part, ".p2pchat-", 9);
	q = x->part + 9;
	for (i = 0; i < CHAT_FILE_HASH_LEN; i++) {
		*q++ = hex[x->rx.hash[i] >> 4];
		*q++ = hex[x->rx.hash[i] & 15];
	}
	memcpy(q, ".part", 6);
}

/* Land the checked .part under its safe name, never over a file. */
static int
xfer_land(struct chat_ctx *ctx, struct xfer *x, int dirfd)
{
	char		name[CHAT_FILE_SAFE_MAX + 16];
	unsigned	n;

	snprintf(name, sizeof(name), "%s", x->rx.name);
	for (n = 1; n <= XFER_ALT_MAX; n++) {
		if (linkat(dirfd, x->part, dirfd, name, 0) == 0) {
			(void)unlinkat(dirfd, x->part, 0);
			snprintf(x->path, sizeof(x->path), "%s/%s",
			    ctx->xf->accept_dir != NULL ?
			    ctx->xf->accept_dir : ".", name);
			return (0);
		}
		if (errno != EEXIST ||
		    chat_file_alt_name(x->rx.name, n, name, sizeof(name)) != 0)
			break;
	}
	log_warn("%s: cannot land %s", x->part, x->rx.name);
	return (-1);
}

/* The last byte came (or there were none): check, answer, land. */
static void
xfer_complete(struct chat_ctx *ctx, struct xfer *x, int write_ok,
    uint64_t now)
{
	int	dirfd, n, landed = 0;

	dirfd = xfer_dirfd(ctx);
	n = chat_file_rx_check(&x->rx, write_ok, ctx->xf->rec,
	    sizeof(ctx->xf->rec));
	if (x->rx.state == CHAT_FILE_RX_DONE && dirfd != -1 &&
	    xfer_land(ctx, x, dirfd) == 0)
		landed = 1;
	else if (dirfd != -1 && x->rx.code == CHAT_FILE_E_HASH)
		(void)unlinkat(dirfd, x->part, 0);	/* no use resuming */
	if (x->rx.state == CHAT_FILE_RX_DONE && !landed) {
		x->rx.state = CHAT_FILE_RX_CHECK;
		n = chat_file_rx_check(&x->rx, 0, ctx->xf->rec,
		    sizeof(ctx->xf->rec));
	}
	if (dirfd != -1)
		close(dirfd);
	xfer_ctl(ctx, x, n, now);
	xfer_end(ctx, x, landed ? "done" : "failed", landed ? NULL :
	    chat_file_code_name(x->rx.code), now);
}

static void
xfer_refuse(struct chat_ctx *ctx, struct xfer *x, int code,
    const char *result, uint64_t now)
{
	xfer_ctl(ctx, x, chat_file_rx_refuse(&x->rx, code, ctx->xf->rec,
	    sizeof(ctx->xf->rec)), now);
	xfer_end(ctx, x, result, chat_file_code_name(code), now);
}

/* Accept x into the accept directory, from where a .part ends. */
static int
xfer_accept(struct chat_ctx *ctx, struct xfer *x, uint64_t now)
{
	struct stat	 st;
	uint8_t		*b = NULL;
	uint64_t	 off = 0, held;
	ssize_t		 n;
	int		 dirfd, r = -1;

	x->waiting = 0;
	xfer_part_name(x);
	if ((dirfd = xfer_dirfd(ctx)) == -1)
		goto out;
	x->fd = openat(dirfd, x->part, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0666);
	close(dirfd);
	if (x->fd == -1 || fstat(x->fd, &st) == -1 || !S_ISREG(st.st_mode))
		goto out;
	/* Another p2pchat receiving the same file here: not both. */
	if (flock(x->fd, LOCK_EX | LOCK_NB) == -1) {
		xfer_refuse(ctx, x, CHAT_FILE_E_BUSY, "refused", now);
		free(b);
		return (-1);
	}
	held = (uint64_t)st.st_size;
	if (held > x->rx.size) {
		if (ftruncate(x->fd, 0) == -1)
			goto out;
		held = 0;
	}
	/* What a partial file holds is hashed again: resume after it. */
	if ((b = malloc(XFER_BLOCK)) == NULL)
		goto out;
	while (off < held) {
		n = pread(x->fd, b, held - off < XFER_BLOCK ? held - off :
		    XFER_BLOCK, (off_t)off);
		if (n <= 0 || chat_file_rx_prefix(&x->rx, b, (size_t)n) != 0)
			goto out;
		off += (uint64_t)n;
	}
	n = chat_file_rx_accept(&x->rx, off, ctx->xf->rec,
	    sizeof(ctx->xf->rec));
	if (n < 0)
		goto out;
	x->boff = off;
	x->blen = 0;
	xfer_ctl(ctx, x, (int)n, now);
	x->t0 = x->ev_at = now;
	xfer_event(ctx, x, EV_TRANSFER, now);
	if (x->rx.state == CHAT_FILE_RX_CHECK)
		xfer_complete(ctx, x, 1, now);
	r = 0;
 out:
	free(b);
	if (r == -1) {
		log_warn("accept %s", x->rx.name);
		xfer_ctl(ctx, x, chat_file_rx_refuse(&x->rx, CHAT_FILE_E_IO,
		    ctx->xf->rec, sizeof(ctx->xf->rec)), now);
		xfer_end(ctx, x, "failed", "cannot write the file", now);
	}
	return (r);
}

int
chat_xfer_answer(struct chat_ctx *ctx, int yes, char *err, size_t errlen)
{
	struct xfer	*x;
	unsigned	 i;
	uint64_t	 now = clock_ms();

	for (i = 0; i < CHAT_XFER_MAX; i++) {
		x = &ctx->xf->x[i];
		if (!x->used || !x->waiting)
			continue;
		if (!yes) {
			xfer_refuse(ctx, x, CHAT_FILE_E_REFUSED, "refused",
			    now);
			return (0);
		}
		if (xfer_accept(ctx, x, now) == -1) {
			snprintf(err, errlen, "cannot write the file");
			return (-1);
		}
		return (0);
	}
	snprintf(err, errlen, "no file offered");
	return (-1);
}

static struct xfer *
xfer_find(struct chat_ctx *ctx, uint32_t peer_id, int sending, uint32_t xid)
{
	struct xfer	*x;
	unsigned	 i;

	for (i = 0; i < CHAT_XFER_MAX; i++) {
		x = &ctx->xf->x[i];
		if (x->used && x->peer_id == peer_id &&
		    x->sending == sending &&
		    (sending ? x->tx.xid : x->rx.xid) == xid)
			return (x);
	}
	return (NULL);
}

static void
xfer_offer(struct chat_ctx *ctx, struct chat_peer *p,
    const struct chat_file_msg *m, uint64_t now)
{
	struct chat_file_rx	 rx;
	struct xfer		*x;
	unsigned		 i;

	if (xfer_find(ctx, p->id, 0, m->xid) != NULL)
		return;		/* the same offer twice: ignore */
	if ((x = xfer_new(ctx, p, 0, now)) == NULL) {
		/* No room: refuse without keeping anything. */
		if (chat_file_rx_init(&rx, m) == 0) {
			(void)chat_bulk_send(&p->bulk, ctx->xf->rec,
			    (size_t)chat_file_rx_refuse(&rx, CHAT_FILE_E_BUSY,
			    ctx->xf->rec, sizeof(ctx->xf->rec)), now);
			chat_file_rx_free(&rx);
		}
		return;
	}
	if (chat_file_rx_init(&x->rx, m) != 0) {
		x->used = 0;
		return;
	}
	x->rx_up = 1;
	xfer_event(ctx, x, EV_OFFER, now);
	/* One file at a time into one .part. */
	for (i = 0; i < CHAT_XFER_MAX; i++)
		if (&ctx->xf->x[i] != x && ctx->xf->x[i].used &&
		    !ctx->xf->x[i].sending && ctx->xf->x[i].rx_up &&
		    memcmp(ctx->xf->x[i].rx.hash, m->hash,
		    CHAT_FILE_HASH_LEN) == 0) {
			xfer_refuse(ctx, x, CHAT_FILE_E_BUSY, "refused", now);
			return;
		}
	if (ctx->xf->accept_dir != NULL)
		(void)xfer_accept(ctx, x, now);
	else if (ctx->fe == &chat_fe_ui)
		x->waiting = 1;		/* /accept or /refuse */
	else
		xfer_refuse(ctx, x, CHAT_FILE_E_REFUSED, "refused", now);
}

static void
xfer_data(struct chat_ctx *ctx, struct xfer *x, const struct chat_file_msg *m,
    uint64_t now)
{
	ssize_t	n;
	int	ev;

	ev = chat_file_rx_input(&x->rx, m);
	if (ev == CHAT_FILE_EV_ENDED) {
		xfer_end(ctx, x, "failed", chat_file_code_name(x->rx.code),
		    now);
		return;
	}
	if (ev != CHAT_FILE_EV_DATA && ev != CHAT_FILE_EV_COMPLETE) {
		xfer_refuse(ctx, x, CHAT_FILE_E_GONE, "failed", now);
		return;
	}
	/* Records come in order: gather them into blocks for the disk. */
	if (x->block == NULL && (x->block = malloc(XFER_BLOCK)) == NULL)
		n = -1;
	else if (m->len > XFER_BLOCK - x->blen && xfer_flush(x) == -1)
		n = -1;
	else {
		memcpy(x->block + x->blen, m->data, m->len);
		x->blen += m->len;
		n = ev == CHAT_FILE_EV_COMPLETE ? xfer_flush(x) : 0;
	}
	if (n == -1) {
		log_warn("%s: write", x->part);
		xfer_refuse(ctx, x, CHAT_FILE_E_IO, "failed", now);
		return;
	}
	if (ev == CHAT_FILE_EV_COMPLETE)
		xfer_complete(ctx, x, 1, now);
	else if (now - x->ev_at >= CHAT_XFER_PROGRESS) {
		x->ev_at = now;
		xfer_event(ctx, x, EV_PROGRESS, now);
	}
}

void
chat_xfer_record(struct chat_ctx *ctx, struct chat_peer *p,
    const uint8_t *buf, size_t len, uint64_t now)
{
	struct chat_file_msg	 m;
	struct xfer		*x;
	int			 ev;

	if (ctx->xf == NULL || chat_file_decode(buf, len, &m) != 0) {
		log_debug("file: bad record from %s", p->name);
		return;
	}
	chat_end_rx(&ctx->end, now);
	switch (m.type) {
	case CHAT_FILE_OFFER:
		xfer_offer(ctx, p, &m, now);
		return;
	case CHAT_FILE_DATA:
	case CHAT_FILE_CANCEL:
		if ((x = xfer_find(ctx, p->id, 0, m.xid)) != NULL)
			xfer_data(ctx, x, &m, now);
		return;
	}
	if ((x = xfer_find(ctx, p->id, 1, m.xid)) == NULL)
		return;
	ev = chat_file_tx_input(&x->tx, &m);
	if (ev == CHAT_FILE_EV_ACCEPTED) {
		x->t0 = x->ev_at = now;
		xfer_event(ctx, x, EV_TRANSFER, now);
	} else if (ev == CHAT_FILE_EV_DONE)
		xfer_end(ctx, x, "done", NULL, now);
	else if (ev == CHAT_FILE_EV_ENDED)
		xfer_end(ctx, x, x->tx.state == CHAT_FILE_TX_REFUSED ?
		    "refused" : "failed", chat_file_code_name(x->tx.code), now);
}

void
chat_xfer_gone(struct chat_ctx *ctx, uint32_t peer_id, const char *reason)
{
	unsigned	i;

	if (ctx->xf == NULL)
		return;
	for (i = 0; i < CHAT_XFER_MAX; i++)
		if (ctx->xf->x[i].used && ctx->xf->x[i].peer_id == peer_id)
			xfer_end(ctx, &ctx->xf->x[i], "failed", reason,
			    clock_ms());
}

void
chat_xfer_give_up(struct chat_ctx *ctx, const char *reason)
{
	unsigned	i;

	if (ctx->xf == NULL)
		return;
	for (i = 0; i < CHAT_XFER_MAX; i++)
		if (ctx->xf->x[i].used)
			xfer_end(ctx, &ctx->xf->x[i], "failed", reason,
			    clock_ms());
}

/* The next bytes of x's file at tx.off, from the read-ahead block. */
static ssize_t
xfer_read(struct xfer *x, size_t want, const uint8_t **out)
{
	ssize_t	n;

	if (x->block == NULL && (x->block = malloc(XFER_BLOCK)) == NULL)
		return (-1);
	if (x->tx.off < x->boff || x->tx.off >= x->boff + x->blen) {
		n = pread(x->fd, x->block, XFER_BLOCK, (off_t)x->tx.off);
		if (n <= 0)
			return (-1);
		x->boff = x->tx.off;
		x->blen = (size_t)n;
	}
	*out = x->block + (x->tx.off - x->boff);
	n = (ssize_t)(x->boff + x->blen - x->tx.off);
	return (n < (ssize_t)want ? n : (ssize_t)want);
}

/* Fill p's bulk stream from x's file while it has room. */
static unsigned
xfer_feed(struct chat_ctx *ctx, struct xfer *x, struct chat_peer *p,
    uint64_t now)
{
	const uint8_t	*d;
	size_t		 want, room;
	ssize_t		 n;
	unsigned	 k = 0;
	int		 r;

	room = chat_bulk_payload(&p->bulk) - CHAT_FILE_DATA_HDR;
	while (chat_bulk_space(&p->bulk) > 0 &&
	    (want = chat_file_tx_want(&x->tx, room)) > 0) {
		if ((n = xfer_read(x, want, &d)) <= 0) {
			log_warnx("%s: cannot read", x->path);
			xfer_ctl(ctx, x, chat_file_tx_cancel(&x->tx,
			    CHAT_FILE_E_IO, ctx->xf->rec,
			    sizeof(ctx->xf->rec)), now);
			xfer_end(ctx, x, "failed", "cannot read the file", now);
			return (k);
		}
		r = chat_file_tx_data(&x->tx, d, (size_t)n, ctx->xf->rec,
		    sizeof(ctx->xf->rec));
		if (r < 0 || chat_bulk_send(&p->bulk, ctx->xf->rec, (size_t)r,
		    now) != 0)
			break;	/* not reached: room was checked */
		k++;
	}
	return (k);
}

unsigned
chat_xfer_pump(struct chat_ctx *ctx, uint64_t now)
{
	struct chat_peer	*p;
	struct xfer		*x;
	unsigned		 i, k = 0;

	if (ctx->xf == NULL)
		return (0);
	for (i = 0; i < CHAT_XFER_MAX; i++) {
		x = &ctx->xf->x[i];
		if (!x->used || x->waiting)
			continue;
		if ((p = xfer_peer(ctx, x->peer_id)) == NULL ||
		    p->bulk.gen != x->gen) {
			xfer_end(ctx, x, "failed", p == NULL ? "peer gone" :
			    "the peer started over", now);
			continue;
		}
		if (x->ctllen > 0 && chat_bulk_send(&p->bulk, x->ctl,
		    x->ctllen, now) == 0) {
			x->ctllen = 0;
			k++;
		}
		if (!x->sending || x->ctllen > 0)
			continue;
		k += xfer_feed(ctx, x, p, now);
		if (x->used && now - x->ev_at >= CHAT_XFER_PROGRESS &&
		    x->tx.state == CHAT_FILE_TX_SEND) {
			x->ev_at = now;
			xfer_event(ctx, x, EV_PROGRESS, now);
		}
	}
	if (k > 0)
		chat_end_progress(&ctx->end, now);
	return (k);
}

unsigned
chat_xfer_pending(struct chat_ctx *ctx)
{
	unsigned	i, n = 0;

	if (ctx->xf == NULL)
		return (0);
	for (i = 0; i < CHAT_XFER_MAX; i++)
		if (ctx->xf->x[i].used && !ctx->xf->x[i].waiting)
			n++;
	return (n);
}

unsigned
chat_xfer_kept(struct chat_ctx *ctx)
{
	struct chat_peer	*p;
	unsigned		 i;

	if (ctx->xf == NULL || ctx->xf->send_path == NULL)
		return (0);
	if (ctx->xf->noffered == 0)
		return (1);
	/* Members on their way up get the file too. */
	for (i = 0; i < CHAT_ROOM_MAX_PEERS; i++)
		if ((p = chat_room_peer(&ctx->room, i)) != NULL &&
		    (p->state == CHAT_PEER_S_WAITING ||
		    p->state == CHAT_PEER_S_PUNCHING ||
		    p->state == CHAT_PEER_S_HANDSHAKE))
			return (1);
	return (0);
}
