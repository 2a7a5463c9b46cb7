/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * manex: the examples of libstun(3), cut out of the page by tests/manex.sh
 * into tests/manex_page.c, compiled here against the library and run, so
 * that they cannot rot: a request from binding_request() answered by the
 * library's Binding server and read by print_mapped(); then serve() in a
 * child process on loopback, with binding() and classify() against it.
 * relay_hello() needs a TURN server: it is compiled, not run.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libstun/stun.h"
#include "libstun/txn.h"
#include "libstun/server.h"
#include "libstun/nat.h"
#include "libstun/turn.h"

/* The examples' functions, as the page defines them. */
int	print_mapped(const uint8_t *pkt, size_t len);
int	binding_request(uint8_t *buf, size_t cap, uint8_t tid[STUN_TID_LEN]);
int	binding(int s, const struct stun_addr *server,
	    struct stun_rto_cache *cache);
void	serve(int s, const struct stun_addr *bound);
int	classify(const struct stun_addr *server,
	    const struct stun_addr *bind_to);
int	relay_hello(int fd, const struct stun_addr *server,
	    const struct stun_addr *peer);

/* An example the page gains later compiles before it is wired in here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#include "tests/manex_page.c"
#pragma GCC diagnostic pop

static int	 manex_fails;
static int	 manex_saved = -1;
static FILE	*manex_out;

static void
manex_check(int ok, const char *what, const char *got)
{
	printf("%s: %s%s%s\n", ok ? "ok" : "FAIL", what, got != NULL ?
	    ": " : "", got != NULL ? got : "");
	if (!ok)
		manex_fails++;
}

/* What an example prints on stdout, between begin and end. */
static void
manex_capture_begin(void)
{
	fflush(stdout);
	if ((manex_out = tmpfile()) == NULL ||
	    (manex_saved = dup(STDOUT_FILENO)) == -1 ||
	    dup2(fileno(manex_out), STDOUT_FILENO) == -1)
		err(1, "capture");
}

static void
manex_capture_end(char *buf, size_t cap)
{
	size_t	 n;

	fflush(stdout);
	if (dup2(manex_saved, STDOUT_FILENO) == -1)
		err(1, "capture");
	close(manex_saved);
	rewind(manex_out);
	n = fread(buf, 1, cap - 1, manex_out);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(manex_out);
}

/* binding_request() answered by the library, read by print_mapped(). */
static void
manex_offline(void)
{
	struct stun_server_conf	 c;
	struct stun_server_in	 in;
	struct stun_server_out	 out;
	struct stun_msg		 m;
	uint8_t			 req[64], tid[STUN_TID_LEN];
	uint8_t			 ans[STUN_SRV_MIN_CAP];
	char			 got[128];
	int			 len, r;

	len = binding_request(req, sizeof(req), tid);
	manex_check(len > 20, "binding_request() builds a request", NULL);
	if (len <= 20)
		return;
	memset(&c, 0, sizeof(c));
	memset(&in, 0, sizeof(in));
	stun_addr_parse("192.0.2.1:3478", 0, &c.local[STUN_SRV_PP]);
	stun_addr_parse("203.0.113.9:40000", 0, &in.src);
	in.derr = stun_msg_decode(&m, req, (size_t)len);
	in.msg = &m;
	in.len = (size_t)len;
	in.sock = STUN_SRV_PP;
	out.buf = ans;
	out.cap = sizeof(ans);
	r = stun_server_binding(&c, &in, &out);
	manex_check(r == STUN_SRV_SEND && memcmp(m.tid, tid,
	    STUN_TID_LEN) == 0, "the library's server answers it", NULL);
	if (r != STUN_SRV_SEND)
		return;
	manex_capture_begin();
	r = print_mapped(ans, out.len);
	manex_capture_end(got, sizeof(got));
	manex_check(r == 0 && strcmp(got,
	    "mapped address 203.0.113.9:40000") == 0,
	    "print_mapped() reads the answer", got);
}

/* A UDP socket on 127.0.0.1, port 0, and the address it got. */
static int
manex_udp(struct stun_addr *bound)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 fd;

	stun_addr_parse("127.0.0.1", 0, bound);
	sl = (socklen_t)stun_addr_to_sockaddr(bound, &ss);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, sl) == -1)
		err(1, "socket");
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1 ||
	    stun_addr_from_sockaddr((struct sockaddr *)&ss, sl, bound) != 0)
		err(1, "getsockname");
	return (fd);
}

/* serve() in a child; binding() and classify() against it. */
static void
manex_loopback(void)
{
	struct stun_rto_cache	 cache;
	struct sockaddr_storage	 ss;
	struct stun_addr	 srv, cli, lo;
	socklen_t		 sl;
	pid_t			 pid;
	char			 got[128], want[128];
	int			 s, c, r;

	s = manex_udp(&srv);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		alarm(30);
		serve(s, &srv);
		_exit(0);
	}
	close(s);
	c = manex_udp(&cli);
	sl = (socklen_t)stun_addr_to_sockaddr(&srv, &ss);
	if (connect(c, (struct sockaddr *)&ss, sl) == -1)
		err(1, "connect");
	stun_rto_cache_init(&cache);
	manex_capture_begin();
	r = binding(c, &srv, &cache);
	manex_capture_end(got, sizeof(got));
	snprintf(want, sizeof(want), "mapped address 127.0.0.1:%u", cli.port);
	manex_check(r == 0 && strcmp(got, want) == 0,
	    "binding() against serve()", got);
	manex_check(stun_rto_cache_get(&cache, &srv, 0) != STUN_RTO_DEFAULT ||
	    r != 0, "binding() fed the RTO cache", NULL);
	close(c);

	/* serve() has one address: no NAT here, filtering not tested. */
	stun_addr_parse("127.0.0.1", 0, &lo);
	manex_capture_begin();
	r = classify(&srv, &lo);
	manex_capture_end(got, sizeof(got));
	manex_check(r == 0 && strcmp(got, "unknown: mapping "
	    "endpoint-independent, filtering unknown") == 0,
	    "classify() against serve()", got);

	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

int
main(void)
{
	alarm(60);
	manex_offline();
	manex_loopback();
	if (manex_fails > 0) {
		printf("manex: %d example check(s) failed\n", manex_fails);
		return (1);
	}
	printf("manex: the examples of libstun(3) compile and run\n");
	return (0);
}
