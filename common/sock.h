/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Socket plumbing shared by the programs: conversions between struct
 * sockaddr and libstun's struct stun_addr, and bound sockets.
 */
#ifndef COMMON_SOCK_H
#define COMMON_SOCK_H

#include <sys/socket.h>

#include <libstun/stun.h>

/* 0, or -1 for a family other than AF_INET/AF_INET6. */
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

#endif
