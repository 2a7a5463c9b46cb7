/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * libstun: STUN (RFC 8489, 5389, 3489 legacy), RFC 5780 and TURN (RFC 8656)
 * message codec.  Decoding never trusts a length field and never writes into
 * the received buffer; building never writes past the capacity it is given.
 * Every function returns 0 (or a length) on success and a negative
 * STUN_ERR_* value on failure; stun_strerror() turns that into text.
 */
#ifndef LIBSTUN_STUN_H
#define LIBSTUN_STUN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define STUN_API __attribute__((visibility("default")))
#else
#define STUN_API
#endif

/* Errors. */
#define STUN_OK			0
#define STUN_ERR_TRUNCATED	(-1)	/* buffer shorter than a length says */
#define STUN_ERR_NOT_STUN	(-2)	/* not a STUN message at all */
#define STUN_ERR_BAD_LENGTH	(-3)	/* header length field is wrong */
#define STUN_ERR_BAD_ATTR	(-4)	/* attribute value malformed */
#define STUN_ERR_AFTER_FP	(-5)	/* attribute after FINGERPRINT */
#define STUN_ERR_TOO_MANY	(-6)	/* more attributes than the index holds */
#define STUN_ERR_NOSPACE	(-7)	/* output buffer too small */
#define STUN_ERR_NOT_FOUND	(-8)	/* attribute absent */
#define STUN_ERR_FINGERPRINT	(-9)	/* FINGERPRINT mismatch */
#define STUN_ERR_INTEGRITY	(-10)	/* MESSAGE-INTEGRITY(-SHA256) mismatch */
#define STUN_ERR_INVALID	(-11)	/* bad argument from the caller */
#define STUN_ERR_CRYPTO		(-12)	/* OpenSSL failed */
#define STUN_ERR_RANDOM		(-13)	/* no random bytes available */
#define STUN_ERR_FAMILY		(-14)	/* unknown address family */
#define STUN_ERR_PADDING	(-15)	/* bad padding (ChannelData / stream) */
#define STUN_ERR_STRING		(-16)	/* string fails UTF-8/OpaqueString */
#define STUN_ERR_STALE		(-17)	/* nonce expired */
#define STUN_ERR_NEED_MORE	(-18)	/* stream: frame incomplete, read more */
#define STUN_ERR_TOO_BIG	(-19)	/* frame larger than the caller's cap */
#define STUN_ERR_STATE		(-20)	/* state machine called out of order */
#define STUN_ERR_TIMEOUT	(-21)	/* transaction timed out */

STUN_API const char *stun_strerror(int err);

/* RFC 8489 5: the header. */
#define STUN_HDR_LEN		20
#define STUN_MAGIC_COOKIE	0x2112A442U
#define STUN_TID_LEN		12
#define STUN_MAX_MSG		(STUN_HDR_LEN + 65532)	/* length is a multiple of 4 */

/* RFC 8489 14: strings are sent below 509 bytes and parsed up to 763. */
#define STUN_MAX_USERNAME	(513)	/* RFC 8489 14.3 */
#define STUN_MAX_STRING_SEND	(508)
#define STUN_MAX_STRING_PARSE	(763)
#define STUN_MAX_REALM		(STUN_MAX_STRING_PARSE)
#define STUN_MAX_NONCE		(STUN_MAX_STRING_PARSE)
#define STUN_MAX_SOFTWARE	(STUN_MAX_STRING_PARSE)
#define STUN_MAX_REASON		(STUN_MAX_STRING_PARSE)

/* Classes (RFC 8489 5). */
#define STUN_CLASS_REQUEST	0
#define STUN_CLASS_INDICATION	1
#define STUN_CLASS_SUCCESS	2
#define STUN_CLASS_ERROR	3

/* Methods. */
#define STUN_METHOD_BINDING		0x001
#define STUN_METHOD_ALLOCATE		0x003	/* RFC 8656 */
#define STUN_METHOD_REFRESH		0x004
#define STUN_METHOD_SEND		0x006
#define STUN_METHOD_DATA		0x007
#define STUN_METHOD_CREATE_PERMISSION	0x008
#define STUN_METHOD_CHANNEL_BIND	0x009

/* Attributes: comprehension-required (0x0000-0x7FFF). */
#define STUN_ATTR_MAPPED_ADDRESS	0x0001
#define STUN_ATTR_RESPONSE_ADDRESS	0x0002	/* RFC 3489, never honoured */
#define STUN_ATTR_CHANGE_REQUEST	0x0003	/* RFC 5780 / 3489 */
#define STUN_ATTR_SOURCE_ADDRESS	0x0004	/* RFC 3489 */
#define STUN_ATTR_CHANGED_ADDRESS	0x0005	/* RFC 3489 */
#define STUN_ATTR_USERNAME		0x0006
#define STUN_ATTR_PASSWORD		0x0007	/* RFC 3489, obsolete */
#define STUN_ATTR_MESSAGE_INTEGRITY	0x0008
#define STUN_ATTR_ERROR_CODE		0x0009
#define STUN_ATTR_UNKNOWN_ATTRIBUTES	0x000A
#define STUN_ATTR_REFLECTED_FROM	0x000B	/* RFC 3489 */
#define STUN_ATTR_CHANNEL_NUMBER	0x000C	/* RFC 8656 */
#define STUN_ATTR_LIFETIME		0x000D
#define STUN_ATTR_XOR_PEER_ADDRESS	0x0012
#define STUN_ATTR_DATA			0x0013
#define STUN_ATTR_REALM			0x0014
#define STUN_ATTR_NONCE			0x0015
#define STUN_ATTR_XOR_RELAYED_ADDRESS	0x0016
#define STUN_ATTR_REQUESTED_ADDRESS_FAMILY 0x0017
#define STUN_ATTR_EVEN_PORT		0x0018
#define STUN_ATTR_REQUESTED_TRANSPORT	0x0019
#define STUN_ATTR_DONT_FRAGMENT		0x001A
#define STUN_ATTR_MESSAGE_INTEGRITY_SHA256 0x001C
#define STUN_ATTR_PASSWORD_ALGORITHM	0x001D
#define STUN_ATTR_USERHASH		0x001E
#define STUN_ATTR_XOR_MAPPED_ADDRESS	0x0020
#define STUN_ATTR_RESERVATION_TOKEN	0x0022
#define STUN_ATTR_PRIORITY		0x0024	/* RFC 8445 */
#define STUN_ATTR_USE_CANDIDATE		0x0025
#define STUN_ATTR_PADDING		0x0026	/* RFC 5780 */
#define STUN_ATTR_RESPONSE_PORT		0x0027	/* RFC 5780 */
/* Attributes: comprehension-optional (0x8000-0xFFFF). */
#define STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY 0x8000	/* RFC 8656 */
#define STUN_ATTR_ADDRESS_ERROR_CODE	0x8001
#define STUN_ATTR_PASSWORD_ALGORITHMS	0x8002
#define STUN_ATTR_ALTERNATE_DOMAIN	0x8003
#define STUN_ATTR_ICMP			0x8004
#define STUN_ATTR_SOFTWARE		0x8022
#define STUN_ATTR_ALTERNATE_SERVER	0x8023
#define STUN_ATTR_CACHE_TIMEOUT		0x8027	/* RFC 5780 */
#define STUN_ATTR_FINGERPRINT		0x8028
#define STUN_ATTR_ICE_CONTROLLED	0x8029
#define STUN_ATTR_ICE_CONTROLLING	0x802A
#define STUN_ATTR_RESPONSE_ORIGIN	0x802B	/* RFC 5780 */
#define STUN_ATTR_OTHER_ADDRESS		0x802C	/* RFC 5780 */

#define STUN_ATTR_IS_REQUIRED(t)	(((t) & 0x8000) == 0)

/* CHANGE-REQUEST flags (RFC 5780 7.2). */
#define STUN_CHANGE_IP		0x4
#define STUN_CHANGE_PORT	0x2

/* PASSWORD-ALGORITHM values (RFC 8489 18.5). */
#define STUN_PWALG_MD5		0x0001
#define STUN_PWALG_SHA256	0x0002

/*
 * Security feature bits in the nonce cookie (RFC 8489 9.2, 18.1).  Bit 0 is
 * the most significant of the 24 bits, as in every IETF bit diagram (and as
 * other implementations read it).  The RFC 8489 B.1 nonce "AAAC" would set
 * bit 22 under this reading; the vector is known to be broken (errata
 * 6268), so it does not settle the question.
 */
#define STUN_SECF_PASSWORD_ALGORITHMS	0x800000
#define STUN_SECF_USERNAME_ANONYMITY	0x400000

/* A transport address: family 4 or 6, port and address in host form. */
#define STUN_AF_INET	4
#define STUN_AF_INET6	6
struct stun_addr {
	uint8_t		family;		/* STUN_AF_INET or STUN_AF_INET6 */
	uint16_t	port;
	uint8_t		ip[16];		/* first 4 bytes used for IPv4 */
};

/*
 * A decoded message.  The index refers into the caller's buffer, which must
 * outlive the struct.  Decode fills the header fields first, so even when
 * stun_msg_decode() fails with STUN_ERR_BAD_ATTR, STUN_ERR_AFTER_FP or
 * STUN_ERR_TOO_MANY the header (hdr_ok = 1) can be used for an error reply.
 * A message whose FINGERPRINT is wrong keeps hdr_ok = 0: it is dropped.
 */
#define STUN_MAX_ATTRS		(48)
#define STUN_MAX_UNKNOWN	(16)
struct stun_attr_ref {
	uint16_t	type;
	uint16_t	len;		/* value length, padding excluded */
	uint16_t	off;		/* value offset from the start of buf */
};
struct stun_msg {
	const uint8_t	*buf;
	size_t		 len;		/* 20 + header length */
	int		 hdr_ok;
	uint16_t	 type;		/* raw message type */
	uint16_t	 method;
	uint8_t		 cls;
	int		 legacy;	/* RFC 3489: no magic cookie */
	uint32_t	 cookie;	/* bytes 4..7 as sent */
	uint8_t		 tid[STUN_TID_LEN];
	unsigned	 nattrs;
	struct stun_attr_ref attrs[STUN_MAX_ATTRS];
	int		 mi;		/* attrs[] index of MI, or -1 */
	int		 mi256;		/* attrs[] index of MI-SHA256, or -1 */
	int		 fp;		/* attrs[] index of FINGERPRINT, or -1 */
	unsigned	 nunknown;	/* unknown comprehension-required types */
	uint16_t	 unknown[STUN_MAX_UNKNOWN];
};

/* Message type <-> method and class. */
STUN_API uint16_t stun_msg_type(uint16_t method, uint8_t cls);
STUN_API const char *stun_method_name(uint16_t method);
STUN_API const char *stun_class_name(uint8_t cls);
STUN_API const char *stun_attr_name(uint16_t type);
/* Default RFC reason phrase for an error code ("Bad Request"), or "". */
STUN_API const char *stun_reason_phrase(int code);

/*
 * Quick test: could buf[0..len) be a STUN message (top two bits zero,
 * length multiple of 4 matching len)?  Returns 1 or 0; reads at most 20
 * bytes.  Use it to demultiplex STUN from ChannelData or other traffic.
 */
STUN_API int stun_msg_is_stun(const uint8_t *buf, size_t len);

/*
 * What a datagram is, from its first bytes only, so that a server can
 * route and rate-limit before it decodes: STUN_FRAME_STUN with *method and
 * *cls taken from the message type when the two top bits are zero (2 bytes
 * at least), STUN_FRAME_CHANNEL when it starts like ChannelData (4 bytes at
 * least), else STUN_ERR_NOT_STUN.  Reads at most 2 bytes and checks no
 * length: stun_msg_decode() and stun_chdata_decode() still check it all.
 */
STUN_API int stun_msg_peek(const uint8_t *buf, size_t len, uint16_t *method,
    uint8_t *cls);

/*
 * Decode buf[0..len) as one STUN message (a datagram, or one frame taken
 * from a stream by stun_frame_len()).  Checks: top bits zero, header length
 * a multiple of 4 and equal to len - 20, the magic cookie (or RFC 3489
 * legacy when absent), every attribute length against the buffer and
 * against the attribute table, padding, nothing after FINGERPRINT;
 * attributes after MESSAGE-INTEGRITY other than MI-SHA256 and FINGERPRINT
 * are ignored (not indexed).  Unknown comprehension-required types are
 * collected in m->unknown.  A wrong FINGERPRINT at the end outranks every
 * attribute error (RFC 8489 7.3): STUN_ERR_FINGERPRINT with hdr_ok = 0, so
 * that it is dropped, never answered.  Returns 0 or STUN_ERR_*.
 */
STUN_API int stun_msg_decode(struct stun_msg *m, const uint8_t *buf,
    size_t len);

/* First occurrence of type (RFC 8489 14: later duplicates are ignored). */
STUN_API const struct stun_attr_ref *stun_msg_find(const struct stun_msg *m,
    uint16_t type);

/*
 * Typed getters.  Each returns 0, STUN_ERR_NOT_FOUND when the attribute is
 * absent, or STUN_ERR_BAD_ATTR when its value is malformed; outputs are
 * written only on success.
 */
/* Any address attribute; XOR-* types are un-XORed with cookie and tid. */
STUN_API int stun_msg_get_addr(const struct stun_msg *m, uint16_t type,
    struct stun_addr *out);
/* 32-bit value: LIFETIME, CHANGE-REQUEST, PRIORITY, CACHE-TIMEOUT, ... */
STUN_API int stun_msg_get_u32(const struct stun_msg *m, uint16_t type,
    uint32_t *out);
/* 64-bit value: RESERVATION-TOKEN, ICE-CONTROLLED, ICE-CONTROLLING. */
STUN_API int stun_msg_get_u64(const struct stun_msg *m, uint16_t type,
    uint64_t *out);
/* Raw value bytes (DATA, PADDING, USERHASH, ...), pointing into m->buf. */
STUN_API int stun_msg_get_bytes(const struct stun_msg *m, uint16_t type,
    const uint8_t **val, size_t *len);
/*
 * A string attribute (USERNAME, REALM, NONCE, SOFTWARE, ALTERNATE-DOMAIN),
 * checked as UTF-8 and against the type's parse limit, copied into out
 * and NUL-terminated.  STUN_ERR_NOSPACE when cap is too small.
 */
STUN_API int stun_msg_get_string(const struct stun_msg *m, uint16_t type,
    char *out, size_t cap);
/* ERROR-CODE: code 300..699; reason points into m->buf (not terminated). */
STUN_API int stun_msg_get_error(const struct stun_msg *m, int *code,
    const char **reason, size_t *reasonlen);
/* UNKNOWN-ATTRIBUTES: up to cap types, *n set to the number copied. */
STUN_API int stun_msg_get_unknown(const struct stun_msg *m, uint16_t *types,
    size_t cap, size_t *n);
/* CHANNEL-NUMBER (RFC 8656 14.1). */
STUN_API int stun_msg_get_channel(const struct stun_msg *m, uint16_t *ch);
/* RESPONSE-PORT (RFC 5780 7.5). */
STUN_API int stun_msg_get_response_port(const struct stun_msg *m,
    uint16_t *port);
/* REQUESTED-TRANSPORT: the protocol number (17 = UDP). */
STUN_API int stun_msg_get_transport(const struct stun_msg *m, uint8_t *proto);
/* REQUESTED-/ADDITIONAL-ADDRESS-FAMILY: 4 or 6 (0x01 / 0x02 on the wire). */
STUN_API int stun_msg_get_family(const struct stun_msg *m, uint16_t type,
    uint8_t *family);
/* EVEN-PORT: the R bit. */
STUN_API int stun_msg_get_even_port(const struct stun_msg *m, int *reserve);
/* PASSWORD-ALGORITHM: the algorithm number (parameters must be empty). */
STUN_API int stun_msg_get_pwalg(const struct stun_msg *m, uint16_t *alg);
/* PASSWORD-ALGORITHMS: up to cap algorithm numbers. */
STUN_API int stun_msg_get_pwalgs(const struct stun_msg *m, uint16_t *algs,
    size_t cap, size_t *n);
/* ADDRESS-ERROR-CODE (RFC 8656 14.9): family, code, reason in m->buf. */
STUN_API int stun_msg_get_addr_error(const struct stun_msg *m,
    uint8_t *family, int *code, const char **reason, size_t *reasonlen);
/* ICMP (RFC 8656 14.10): type, code, 32-bit error data. */
STUN_API int stun_msg_get_icmp(const struct stun_msg *m, uint8_t *type,
    uint8_t *code, uint32_t *data);

/*
 * Builder.  Writes into the caller's buffer; the first failure is sticky and
 * reported by stun_build_finish(), so code can call the adders in a row.
 */
struct stun_builder {
	uint8_t		*buf;
	size_t		 cap;
	size_t		 len;
	int		 err;
	uint32_t	 cookie;
	uint8_t		 tid[STUN_TID_LEN];
};
/* Header with the magic cookie. */
STUN_API void stun_build_init(struct stun_builder *b, uint8_t *buf,
    size_t cap, uint16_t method, uint8_t cls,
    const uint8_t tid[STUN_TID_LEN]);
/* RFC 3489 header: cookie field set to the given value (echo a request). */
STUN_API void stun_build_init_legacy(struct stun_builder *b, uint8_t *buf,
    size_t cap, uint16_t method, uint8_t cls, uint32_t cookie,
    const uint8_t tid[STUN_TID_LEN]);
/* A response header matching a decoded request (cookie/legacy echoed). */
STUN_API void stun_build_reply(struct stun_builder *b, uint8_t *buf,
    size_t cap, const struct stun_msg *req, uint8_t cls);
STUN_API void stun_build_attr(struct stun_builder *b, uint16_t type,
    const void *val, size_t len);
STUN_API void stun_build_u32(struct stun_builder *b, uint16_t type,
    uint32_t v);
STUN_API void stun_build_u64(struct stun_builder *b, uint16_t type,
    uint64_t v);
STUN_API void stun_build_string(struct stun_builder *b, uint16_t type,
    const char *s);
/* Address attribute; XOR-* types are XORed with the builder's cookie/tid. */
STUN_API void stun_build_addr(struct stun_builder *b, uint16_t type,
    const struct stun_addr *a);
/* ERROR-CODE; reason NULL means the RFC phrase. */
STUN_API void stun_build_error(struct stun_builder *b, int code,
    const char *reason);
STUN_API void stun_build_unknown(struct stun_builder *b,
    const uint16_t *types, size_t n);
STUN_API void stun_build_channel(struct stun_builder *b, uint16_t ch);
STUN_API void stun_build_response_port(struct stun_builder *b, uint16_t port);
STUN_API void stun_build_transport(struct stun_builder *b, uint8_t proto);
STUN_API void stun_build_family(struct stun_builder *b, uint16_t type,
    uint8_t family);
STUN_API void stun_build_even_port(struct stun_builder *b, int reserve);
STUN_API void stun_build_pwalg(struct stun_builder *b, uint16_t alg);
STUN_API void stun_build_pwalgs(struct stun_builder *b, const uint16_t *algs,
    size_t n);
STUN_API void stun_build_addr_error(struct stun_builder *b, uint8_t family,
    int code, const char *reason);
STUN_API void stun_build_icmp(struct stun_builder *b, uint8_t type,
    uint8_t code, uint32_t data);
/*
 * MESSAGE-INTEGRITY (HMAC-SHA1, 20 bytes) over everything so far;
 * MESSAGE-INTEGRITY-SHA256 with trunc in 16..32, a multiple of 4
 * (RFC 8489 14.6); FINGERPRINT last.
 */
STUN_API void stun_build_integrity(struct stun_builder *b,
    const uint8_t *key, size_t keylen);
STUN_API void stun_build_integrity_sha256(struct stun_builder *b,
    const uint8_t *key, size_t keylen, size_t trunc);
STUN_API void stun_build_fingerprint(struct stun_builder *b);
/* Returns the message length, or the first STUN_ERR_* met. */
STUN_API int stun_build_finish(struct stun_builder *b);

/*
 * Integrity.  check_* return 0, STUN_ERR_NOT_FOUND when the attribute is
 * absent, or STUN_ERR_FINGERPRINT / STUN_ERR_INTEGRITY on mismatch.  The
 * MAC is computed over a patched copy of the header; m->buf is not written.
 */
STUN_API int stun_msg_check_fingerprint(const struct stun_msg *m);
STUN_API int stun_msg_check_integrity(const struct stun_msg *m,
    const uint8_t *key, size_t keylen);
STUN_API int stun_msg_check_integrity_sha256(const struct stun_msg *m,
    const uint8_t *key, size_t keylen);
/* CRC-32 (ISO-HDLC) as used by FINGERPRINT, before the XOR. */
STUN_API uint32_t stun_crc32(const uint8_t *p, size_t len);

/*
 * Keys (RFC 8489 9.1.2, 9.2.2).  OpaqueString (RFC 8265 4.2): the input
 * must be valid UTF-8 without control characters; non-ASCII spaces map to
 * U+0020.  Full Unicode NFC normalisation is not performed; ASCII and
 * already-normalised input (what every implementation sends) is exact.
 */
#define STUN_KEY_MAX	32
STUN_API int stun_opaque_string(const char *in, size_t inlen, char *out,
    size_t cap, size_t *outlen);
STUN_API int stun_key_short_term(const char *password, uint8_t *key,
    size_t cap, size_t *keylen);
/* alg: STUN_PWALG_MD5 (16-byte key) or STUN_PWALG_SHA256 (32 bytes). */
STUN_API int stun_key_long_term(uint16_t alg, const char *username,
    const char *realm, const char *password, uint8_t key[STUN_KEY_MAX],
    size_t *keylen);
/* USERHASH = SHA-256(username ":" realm) (RFC 8489 14.4). */
STUN_API int stun_userhash(const char *username, const char *realm,
    uint8_t out[32]);

/*
 * Stateless nonces (RFC 8489 9.2, 18.1): "obMatJos2" + 4 base64 characters
 * of security feature bits, then a timestamp and a MAC binding the nonce to
 * the client address under a server secret.  now is seconds on any clock
 * the caller keeps monotonic.
 */
#define STUN_NONCE_COOKIE	"obMatJos2"
#define STUN_NONCE_LEN		(9 + 4 + 24)
STUN_API int stun_nonce_make(char *out, size_t cap, uint32_t features,
    const uint8_t *secret, size_t secretlen, const struct stun_addr *client,
    uint64_t now);
/* 0, STUN_ERR_STALE when older than lifetime, STUN_ERR_INTEGRITY if forged. */
STUN_API int stun_nonce_check(const char *nonce, size_t len,
    const uint8_t *secret, size_t secretlen, const struct stun_addr *client,
    uint64_t now, uint32_t lifetime);
/* Feature bits from a nonce that starts with the cookie; else NOT_FOUND. */
STUN_API int stun_nonce_features(const char *nonce, size_t len,
    uint32_t *features);

/* Addresses. */
STUN_API int stun_addr_equal(const struct stun_addr *a,
    const struct stun_addr *b);
/* "192.0.2.1:3478" / "[2001:db8::1]:3478"; returns 0 or STUN_ERR_NOSPACE. */
STUN_API int stun_addr_format(const struct stun_addr *a, char *out,
    size_t cap);
/* Parse the same forms (port optional: defport).  0 or STUN_ERR_INVALID. */
STUN_API int stun_addr_parse(const char *s, uint16_t defport,
    struct stun_addr *out);
/*
 * Canonical form: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d)
 * and NAT64 (64:ff9b::/96) IPv6 become IPv4.
 */
STUN_API void stun_addr_canon(const struct stun_addr *in,
    struct stun_addr *out);
/* Classes for relay policy and NAT reports (after stun_addr_canon()). */
#define STUN_ADDR_PUBLIC	0
#define STUN_ADDR_LOOPBACK	1
#define STUN_ADDR_UNSPEC	2	/* 0.0.0.0/8, :: */
#define STUN_ADDR_PRIVATE	3	/* RFC 1918, fc00::/7 */
#define STUN_ADDR_CGNAT		4	/* 100.64.0.0/10 */
#define STUN_ADDR_LINKLOCAL	5	/* 169.254/16, fe80::/10 */
#define STUN_ADDR_MULTICAST	6
#define STUN_ADDR_METADATA	7	/* 169.254.169.254 */
#define STUN_ADDR_RESERVED	8	/* other special-purpose ranges */
STUN_API int stun_addr_class(const struct stun_addr *a);
STUN_API const char *stun_addr_class_name(int cls);
/*
 * Socket addresses: struct sockaddr <-> struct stun_addr, AF_INET and
 * AF_INET6 (an IPv6 scope id is not carried).  stun_addr_from_sockaddr()
 * reads at most salen bytes of sa, clears *out first and returns 0,
 * STUN_ERR_FAMILY for another family, or STUN_ERR_TRUNCATED when salen is
 * too short for the family.  stun_addr_to_sockaddr() zeroes *ss, fills it
 * and returns the length to hand to sendto(2), bind(2) or connect(2), or
 * STUN_ERR_FAMILY.  Neither does any I/O.
 */
struct sockaddr;
struct sockaddr_storage;
STUN_API int stun_addr_from_sockaddr(const struct sockaddr *sa, size_t salen,
    struct stun_addr *out);
STUN_API int stun_addr_to_sockaddr(const struct stun_addr *a,
    struct sockaddr_storage *ss);

/*
 * Streams (RFC 8489 6.2.2, RFC 8656 12.5): STUN messages and ChannelData
 * frames share a TCP/TLS stream.  stun_frame_len() looks at the first bytes
 * of buf: it returns the length of the complete frame at the front
 * (ChannelData padded to 4 over streams), STUN_ERR_NEED_MORE when more bytes
 * are needed, STUN_ERR_TOO_BIG when the frame would exceed max, or
 * STUN_ERR_NOT_STUN when the bytes are neither; *kind is set on success.
 */
#define STUN_FRAME_STUN		1
#define STUN_FRAME_CHANNEL	2
STUN_API int stun_frame_len(const uint8_t *buf, size_t len, size_t max,
    int *kind);
/*
 * ChannelData (RFC 8656 12.4).  Clients pick channels from 0x4000..0x4FFF
 * (RFC 8656); the codec, the stream framing and servers also accept the
 * RFC 5766 range up to 0x7FFF, which clients such as coturn's still use.
 */
#define STUN_CHANNEL_MIN	0x4000
#define STUN_CHANNEL_MAX	0x4FFF	/* the last one a client picks */
#define STUN_CHANNEL_ACCEPT_MAX	0x7FFF	/* the last one accepted */
STUN_API int stun_chdata_decode(const uint8_t *buf, size_t len, uint16_t *ch,
    const uint8_t **data, size_t *datalen);
/* Writes header + data (+ zero padding when pad); returns the length. */
STUN_API int stun_chdata_encode(uint8_t *out, size_t cap, uint16_t ch,
    const uint8_t *data, size_t datalen, int pad);

/*
 * A bounded stream reassembler for callers without their own buffer: push
 * bytes in, pull whole frames out.  buf/cap are the caller's.
 */
struct stun_stream {
	uint8_t		*buf;
	size_t		 cap;
	size_t		 len;
};
STUN_API void stun_stream_init(struct stun_stream *s, uint8_t *buf,
    size_t cap);
/* Copies up to n bytes in; returns the count taken (0 when full). */
STUN_API size_t stun_stream_push(struct stun_stream *s, const uint8_t *p,
    size_t n);
/*
 * Next whole frame: *frame points into s->buf and stays valid until the
 * next push or pull.  Returns its length, STUN_ERR_NEED_MORE, or a fatal
 * error (the stream must then be closed).
 */
STUN_API int stun_stream_pull(struct stun_stream *s, const uint8_t **frame,
    int *kind);

/*
 * Random bytes through a replaceable callback (default RAND_bytes when fn
 * is NULL).  The callback returns 0 on success, anything else on failure,
 * which stun_random() reports as STUN_ERR_RANDOM.
 */
typedef int (*stun_random_fn)(void *arg, uint8_t *buf, size_t len);
STUN_API int stun_random(stun_random_fn fn, void *arg, uint8_t *buf,
    size_t len);
STUN_API int stun_tid_new(stun_random_fn fn, void *arg,
    uint8_t tid[STUN_TID_LEN]);

#ifdef __cplusplus
}
#endif
#endif /* LIBSTUN_STUN_H */
