/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The file protocol, without I/O: its records (carried by the bulk
 * transport, chat/bulk.h), one sending and one receiving transfer as
 * state machines with a SHA-256 over the plaintext checked at the end,
 * resumption from an offset, and the names a received file may land
 * under.  The caller reads and writes the files.  Wire: doc/p2pchat-wire.md.
 */
#ifndef CHAT_FILE_H
#define CHAT_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"

#define CHAT_FILE_OFFER		0x01
#define CHAT_FILE_ACCEPT	0x02
#define CHAT_FILE_REFUSE	0x03
#define CHAT_FILE_DATA		0x04
#define CHAT_FILE_RESULT	0x05
#define CHAT_FILE_CANCEL	0x06

#define CHAT_FILE_HASH_LEN	32	/* SHA-256 */
#define CHAT_FILE_NAME_MAX	(255)	/* bytes of an offered name */
#define CHAT_FILE_SAFE_MAX	(200)	/* of a name we write, before " (n)" */
#define CHAT_FILE_OFFER_HDR	48	/* type, 0, namelen, xid, size, hash */
#define CHAT_FILE_DATA_HDR	16	/* type, 0, 0, 0, xid, offset */
#define CHAT_FILE_SHORT_LEN	8	/* REFUSE, RESULT, CANCEL */
#define CHAT_FILE_ACCEPT_LEN	16

/* REFUSE, RESULT and CANCEL codes. */
#define CHAT_FILE_OK		0	/* RESULT: the hash matched */
#define CHAT_FILE_E_REFUSED	1	/* the user said no */
#define CHAT_FILE_E_HASH	2	/* the hash did not match */
#define CHAT_FILE_E_IO		3	/* cannot read or write */
#define CHAT_FILE_E_BUSY	4	/* too many transfers */
#define CHAT_FILE_E_GONE	5	/* cancelled */

struct chat_file_msg {
	uint8_t		 type;
	uint8_t		 code;		/* REFUSE, RESULT, CANCEL */
	uint32_t	 xid;
	uint64_t	 size;		/* OFFER */
	uint64_t	 offset;	/* ACCEPT, DATA */
	uint8_t		 hash[CHAT_FILE_HASH_LEN];	/* OFFER */
	const uint8_t	*name;		/* OFFER, as sent: check it */
	size_t		 namelen;
	const uint8_t	*data;		/* DATA */
	size_t		 len;
};

/*
 * A record into m (pointers into rec).  0, STUN_ERR_TRUNCATED,
 * STUN_ERR_BAD_ATTR (reserved bytes, a name of 0 or more than
 * CHAT_FILE_NAME_MAX bytes, or one with a NUL) or STUN_ERR_NOT_STUN (an
 * unknown type).
 */
int	chat_file_decode(const uint8_t *rec, size_t len,
	    struct chat_file_msg *m);
/* m as a record into out: its length, or STUN_ERR_NOSPACE / INVALID. */
int	chat_file_encode(const struct chat_file_msg *m, uint8_t *out,
	    size_t cap);
const char *chat_file_code_name(int code);

/*
 * The name an offered file lands under: its last path component, control
 * characters and '/' '\\' as '_', a leading '.' as '_' (no hidden file,
 * never "." or ".."), "file" when nothing is left, cut to
 * CHAT_FILE_SAFE_MAX bytes between UTF-8 characters.  out holds
 * CHAT_FILE_SAFE_MAX + 1 bytes.
 */
void	chat_file_safe_name(const uint8_t *name, size_t len, char *out);
/*
 * "stem (n).ext" for a safe name that is taken (n >= 1): 0, or
 * STUN_ERR_NOSPACE.
 */
int	chat_file_alt_name(const char *safe, unsigned n, char *out,
	    size_t cap);

/* Sending transfer states. */
#define CHAT_FILE_TX_OFFER	0	/* the OFFER is to be sent */
#define CHAT_FILE_TX_WAIT	1	/* offered; waiting for the answer */
#define CHAT_FILE_TX_SEND	2	/* accepted: data from off on */
#define CHAT_FILE_TX_SENT	3	/* all data queued: the RESULT next */
#define CHAT_FILE_TX_DONE	4	/* the receiver checked the hash */
#define CHAT_FILE_TX_REFUSED	5
#define CHAT_FILE_TX_FAILED	6

struct chat_file_tx {
	int		 state;
	int		 code;		/* REFUSED, FAILED: why */
	uint32_t	 xid;
	uint64_t	 size;
	uint64_t	 from;		/* the offset accepted */
	uint64_t	 off;		/* next byte to queue */
	uint8_t		 hash[CHAT_FILE_HASH_LEN];
	char		 name[CHAT_FILE_SAFE_MAX + 1];
};

/* Events from chat_file_tx_input() and chat_file_rx_input(). */
#define CHAT_FILE_EV_NONE	0
#define CHAT_FILE_EV_OFFER	1	/* rx: an offer came (a new transfer) */
#define CHAT_FILE_EV_ACCEPTED	2	/* tx: data may flow from .from */
#define CHAT_FILE_EV_DATA	3	/* rx: write m.data at m.offset */
#define CHAT_FILE_EV_COMPLETE	4	/* rx: the last byte came: check */
#define CHAT_FILE_EV_DONE	5	/* tx: verified by the receiver */
#define CHAT_FILE_EV_ENDED	6	/* refused, failed or cancelled: code */

/*
 * name (the local path's last component is offered), size and hash of
 * the file to send.  0 or STUN_ERR_INVALID.
 */
int	chat_file_tx_init(struct chat_file_tx *t, uint32_t xid,
	    const char *name, uint64_t size,
	    const uint8_t hash[CHAT_FILE_HASH_LEN]);
/* The OFFER record (state OFFER to WAIT): its length or STUN_ERR_*. */
int	chat_file_tx_offer(struct chat_file_tx *t, uint8_t *out, size_t cap);
/* Bytes wanted next, from t->off (0: none now), at most max. */
size_t	chat_file_tx_want(const struct chat_file_tx *t, size_t max);
/*
 * A DATA record of n bytes read at t->off (n <= chat_file_tx_want()):
 * its length or STUN_ERR_*.
 */
int	chat_file_tx_data(struct chat_file_tx *t, const uint8_t *data,
	    size_t n, uint8_t *out, size_t cap);
/* Give up (we cannot read): the CANCEL record, or STUN_ERR_*. */
int	chat_file_tx_cancel(struct chat_file_tx *t, int code, uint8_t *out,
	    size_t cap);
/*
 * A record from the receiver (ACCEPT, REFUSE, RESULT) for this transfer
 * (m->xid == t->xid): CHAT_FILE_EV_ACCEPTED, _DONE, _ENDED, or
 * STUN_ERR_STATE for one that does not fit the state (ignore it).  The
 * sender sends OFFER, DATA and CANCEL, so the type says the direction.
 */
int	chat_file_tx_input(struct chat_file_tx *t,
	    const struct chat_file_msg *m);

/* Receiving transfer states. */
#define CHAT_FILE_RX_OFFERED	0	/* waiting for accept or refuse */
#define CHAT_FILE_RX_RECV	1
#define CHAT_FILE_RX_CHECK	2	/* every byte came: check the hash */
#define CHAT_FILE_RX_DONE	3
#define CHAT_FILE_RX_FAILED	4

struct chat_file_rx {
	int		 state;
	int		 code;
	uint32_t	 xid;
	uint64_t	 size;
	uint64_t	 from;		/* accepted at */
	uint64_t	 off;		/* next byte expected */
	uint8_t		 hash[CHAT_FILE_HASH_LEN];
	char		 name[CHAT_FILE_SAFE_MAX + 1];	/* safe */
	void		*md;		/* EVP_MD_CTX over bytes 0..off */
};

/* An OFFER (decoded): 0, or STUN_ERR_NOSPACE.  Free with _rx_free(). */
int	chat_file_rx_init(struct chat_file_rx *x,
	    const struct chat_file_msg *offer);
void	chat_file_rx_free(struct chat_file_rx *x);
/* Bytes of a partial file already held, before accepting from off. */
int	chat_file_rx_prefix(struct chat_file_rx *x, const uint8_t *buf,
	    size_t n);
/*
 * Accept from offset (the prefix hashed so far; 0 for a new file): the
 * ACCEPT record, or STUN_ERR_INVALID (offset is not what was hashed, or
 * past the size).  A 0-byte file is complete at once.
 */
int	chat_file_rx_accept(struct chat_file_rx *x, uint64_t offset,
	    uint8_t *out, size_t cap);
/* REFUSE, before accepting or after (an abort): the record. */
int	chat_file_rx_refuse(struct chat_file_rx *x, int code, uint8_t *out,
	    size_t cap);
/*
 * A record from the sender for this transfer: CHAT_FILE_EV_DATA (write
 * it), _COMPLETE (also write it; then chat_file_rx_check()), _ENDED, or
 * STUN_ERR_STATE / BAD_ATTR (data not where expected or past the size:
 * the caller cancels).
 */
int	chat_file_rx_input(struct chat_file_rx *x,
	    const struct chat_file_msg *m);
/*
 * After COMPLETE: the RESULT record (hash matched: state DONE, else
 * FAILED with CHAT_FILE_E_HASH).  write_ok 0 reports CHAT_FILE_E_IO.
 */
int	chat_file_rx_check(struct chat_file_rx *x, int write_ok, uint8_t *out,
	    size_t cap);

#endif /* CHAT_FILE_H */
