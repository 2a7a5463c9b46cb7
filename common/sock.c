/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Socket plumbing shared by the programs: struct sockaddr <-> stun_addr,
 * non-blocking bound sockets, and batched datagram I/O.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"

/* Thin wrappers over libstun's conversions, for the programs' call sites. */
int
sock_to_stun(const struct sockaddr *sa, struct stun_addr *out)
{
	/* Callers pass a whole sockaddr of its family. */
	return (stun_addr_from_sockaddr(sa, sizeof(struct sockaddr_in6),
	    out) == 0 ? 0 : -1);
}

socklen_t
sock_from_stun(const struct stun_addr *a, struct sockaddr_storage *ss)
{
	int	 n;

	n = stun_addr_to_sockaddr(a, ss);
	return (n < 0 ? 0 : (socklen_t)n);
}

int
sock_bind(const struct stun_addr *a, int type, int reuseport)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	int			 fd, on = 1, saved;

	sslen = sock_from_stun(a, &ss);
	fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return (-1);
	if (type == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	if (reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1)
		goto fail;
	if (ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1)
		goto fail;
	if (type == SOCK_STREAM && listen(fd, 128) == -1)
		goto fail;
	return (fd);
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}

int
sock_local(int fd, struct stun_addr *out)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1)
		return (-1);
	return (sock_to_stun((struct sockaddr *)&ss, out));
}

#if defined(HAVE_RECVMMSG) && defined(HAVE_SENDMMSG)
void
sock_mmsg_in(struct mmsghdr *msg, struct iovec *iov, uint8_t *bufs,
    size_t bufsz, struct sockaddr_storage *sa, unsigned n)
{
	unsigned	i;

	memset(msg, 0, n * sizeof(*msg));
	for (i = 0; i < n; i++) {
		iov[i].iov_base = bufs + (size_t)i * bufsz;
		iov[i].iov_len = bufsz;
		msg[i].msg_hdr.msg_name = &sa[i];
		msg[i].msg_hdr.msg_namelen = sizeof(sa[i]);
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
}

void
sock_mmsg_rearm(struct mmsghdr *msg, unsigned k)
{
	unsigned	i;

	for (i = 0; i < k; i++)
		msg[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
}

void
sock_mmsg_out(struct mmsghdr *msg, struct iovec *iov, const void *buf,
    size_t len, const struct sockaddr_storage *sa, socklen_t salen)
{
	iov->iov_base = (void *)(uintptr_t)buf;
	iov->iov_len = len;
	memset(msg, 0, sizeof(*msg));
	msg->msg_hdr.msg_name = (void *)(uintptr_t)sa;
	msg->msg_hdr.msg_namelen = salen;
	msg->msg_hdr.msg_iov = iov;
	msg->msg_hdr.msg_iovlen = 1;
}

unsigned
sock_mmsg_send(int fd, struct mmsghdr *msg, unsigned n)
{
	unsigned	sent = 0, skipped = 0;
	int		rv;

	while (sent < n) {
		rv = sendmmsg(fd, msg + sent, n - sent, MSG_DONTWAIT);
		if (rv <= 0) {
			sent++;
			skipped++;
		} else
			sent += (unsigned)rv;
	}
	return (skipped);
}
#endif
