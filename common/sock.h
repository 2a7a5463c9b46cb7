/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Socket plumbing shared by the programs: conversions between struct
 * sockaddr and libstun's struct stun_addr, and bound sockets.
 */
#ifndef COMMON_SOCK_H
#define COMMON_SOCK_H

#include <sys/socket.h>
#include <sys/uio.h>

#include <stdint.h>

#include <libstun/stun.h>

/*
 * libstun's stun_addr_from_sockaddr() and stun_addr_to_sockaddr() in the
 * shapes the programs use.  sock_to_stun(): 0, or -1 for a family other
 * than AF_INET/AF_INET6 (sa is a whole sockaddr of its family).
 * sock_from_stun(): the length of *ss, or 0 for an unknown family.
 */
int	sock_to_stun(const struct sockaddr *sa, struct stun_addr *out);
socklen_t sock_from_stun(const struct stun_addr *a,
	    struct sockaddr_storage *ss);
/*
 * A non-blocking, close-on-exec socket bound to a (port 0 picks one);
 * type SOCK_DGRAM or SOCK_STREAM (listening); reuseport sets SO_REUSEPORT.
 * Only a listening stream socket gets SO_REUSEADDR (so a restart need not
 * wait out TIME_WAIT): on Linux it would let two datagram sockets bind one
 * address and port, and the second would take the first one's traffic.
 * Returns the fd, or -1 with errno set.
 */
int	sock_bind(const struct stun_addr *a, int type, int reuseport);
/* The address a socket is bound to. */
int	sock_local(int fd, struct stun_addr *out);

#if defined(HAVE_RECVMMSG) && defined(HAVE_SENDMMSG)
/*
 * Batched datagram I/O (include config.h first).  sock_mmsg_in() sets up
 * n receive headers once: datagram i lands in bufs + i * bufsz, its source
 * in sa[i].  recvmmsg() leaves them usable but for the address length of
 * those it filled: sock_mmsg_rearm(msg, k) after it returned k.
 */
void	sock_mmsg_in(struct mmsghdr *msg, struct iovec *iov, uint8_t *bufs,
	    size_t bufsz, struct sockaddr_storage *sa, unsigned n);
void	sock_mmsg_rearm(struct mmsghdr *msg, unsigned k);
/* One send header: buf, len to sa, salen. */
void	sock_mmsg_out(struct mmsghdr *msg, struct iovec *iov,
	    const void *buf, size_t len, const struct sockaddr_storage *sa,
	    socklen_t salen);
/*
 * Send all n with sendmmsg(MSG_DONTWAIT), skipping each datagram the
 * kernel refuses (EACCES, a full buffer ...).  Returns how many it
 * skipped.  Bounded: each call sends or skips at least one.
 */
unsigned sock_mmsg_send(int fd, struct mmsghdr *msg, unsigned n);
#endif

#endif
