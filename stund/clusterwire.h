/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The records stund instances of one fleet exchange through Redis (the
 * member entries of a room's hash, the messages of its channel, the
 * instance registry), as bytes: built here and read back through the
 * bounded reader, since whatever comes out of Redis is checked like a
 * packet.  I/O-free; doc/scaling.md describes the layout.
 */
#ifndef STUND_CLUSTERWIRE_H
#define STUND_CLUSTERWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "libstun/stun.h"
#include "libstun/rdv.h"

#define CW_VERSION	2	/* 2: J carries the NAT essentials */
#define CW_JOIN		'J'	/* a member joined or changed: entry */
#define CW_LEAVE	'L'
#define CW_TIMEOUT	'T'
#define CW_GO		'G'	/* member (owned by the reader) and peer */
#define CW_DELAY	'D'	/* send member a Go about peer after delay */
#define CW_INSTANCE	'I'	/* an instance and its load */
#define CW_MAX		(4 + 8 + 1 + STUN_RDV_ROOM_MAX + 4 + 8 + 1 + \
			 STUN_RDV_NAME_MAX + 1 + STUN_RDV_MEMBER_CANDS * 20 + \
			 1 + 19 + 1 + STUN_HARDNAT_ESS_LEN)

struct cw_rec {
	uint8_t		 type;		/* CW_* */
	uint64_t	 origin;	/* the instance that wrote it */
	uint8_t		 room[STUN_RDV_ROOM_MAX];
	size_t		 roomlen;
	uint32_t	 member;
	/* CW_JOIN; relayed: its allocation on its owner's relay, if any. */
	uint64_t	 go_since;
	struct stun_rdv_member info;
	int		 has_relayed;
	struct stun_addr relayed;
	/* CW_GO: the peer and its RTT; CW_DELAY: the peer and the delay. */
	uint32_t	 peer;
	uint32_t	 value;
};

/* An instance and its load (CW_INSTANCE). */
struct cw_inst {
	uint64_t	 id;
	struct stun_addr addr;		/* where clients reach it */
	uint32_t	 allocs, max_allocs;
	uint32_t	 members;
	uint32_t	 pps;		/* packets a second received */
};

/* Build a record into buf (CW_MAX bytes).  The length, or -1. */
int	cw_build(const struct cw_rec *r, uint8_t *buf, size_t cap);
/* Read one; 0, or -1 for anything malformed or of another version. */
int	cw_parse(const uint8_t *buf, size_t len, struct cw_rec *r);
int	cw_build_inst(const struct cw_inst *i, uint8_t *buf, size_t cap);
int	cw_parse_inst(const uint8_t *buf, size_t len, struct cw_inst *i);

/* Lowercase hex of n bytes into out (2n + 1).  */
void	cw_hex(const uint8_t *p, size_t n, char *out);

#endif
