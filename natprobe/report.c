/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * natprobe's human output: a compact report (the verdict in both
 * vocabularies, what it means for peer-to-peer, what could not be tested
 * and why, a picture of the path; every test with its round-trip time
 * under -v), the lint's checks, and progress on a terminal.  The words
 * that the JSON object shares (verdict, peer-to-peer, the lint's checks)
 * are made here too, so both outputs say the same.
 */
#include <stdio.h>
#include <string.h>

#include "natprobe.h"

const char *
report_addr(const struct stun_addr *a, char *buf, size_t cap)
{
	if (a->family == 0 || stun_addr_format(a, buf, cap) != 0)
		snprintf(buf, cap, "-");
	return (buf);
}

const char *
report_ip(const struct stun_addr *a, char *buf, size_t cap)
{
	char	 tmp[64], *e;

	report_addr(a, tmp, sizeof(tmp));
	if (tmp[0] == '[' && (e = strchr(tmp, ']')) != NULL) {
		*e = '\0';
		snprintf(buf, cap, "%s", tmp + 1);
	} else {
		tmp[strcspn(tmp, ":")] = '\0';
		snprintf(buf, cap, "%s", tmp);
	}
	return (buf);
}

/* "<0.1 ms", "0.4 ms" below 10 ms, else whole milliseconds. */
const char *
report_rtt(uint32_t us, char *buf, size_t cap)
{
	if (us < 100)
		snprintf(buf, cap, "<0.1 ms");
	else if (us < 10000)
		snprintf(buf, cap, "%u.%u ms", us / 1000, us % 1000 / 100);
	else
		snprintf(buf, cap, "%u ms", (us + 500) / 1000);
	return (buf);
}

const char *
report_blocked(const struct probe *p)
{
	switch (p->certainty) {
	case PROBE_SURE_HIGH:
		return (p->blocked_tcp == PROBE_BT_ANSWERS ?
		    "UDP is blocked (sure: the server answers over TCP)" :
		    "UDP is blocked (sure: the server takes TCP connections)");
	case PROBE_SURE_MEDIUM:
		return (p->nat.r.server2 == STUN_NAT_SRV_SILENT ?
		    "UDP is probably blocked (two servers are silent)" :
		    "UDP is probably blocked (the host is up: it refuses "
		    "TCP)");
	}
	return ("UDP may be blocked, or the server is down (not sure: one "
	    "silent server, no TCP either; try --second-server)");
}

/* The verdict in a few words, consistent with the mapping and filtering. */
const char *
report_verdict(const struct probe *p, char *buf, size_t cap)
{
	const struct stun_nat_result	*r = &p->nat.r;

	if (!r->server_ok)
		snprintf(buf, cap, "%s", r->nat_type == STUN_NAT_TYPE_BLOCKED ?
		    "blocked" : "unknown: the server is not answering");
	else if (r->nat_type == STUN_NAT_TYPE_OPEN)
		snprintf(buf, cap, "open (no NAT, and nothing filters what "
		    "comes in)");
	else if (r->nat_type == STUN_NAT_TYPE_SYM_FIREWALL)
		snprintf(buf, cap, "symmetric-firewall (no NAT, but only "
		    "replies get in)");
	else if (r->nat_type != STUN_NAT_TYPE_UNKNOWN)
		snprintf(buf, cap, "%s", stun_nat_type_name(r->nat_type));
	else if (r->nat == 0)
		snprintf(buf, cap, "no NAT (open, or a firewall that lets in "
		    "only replies)");
	else if (r->nat == 1 && r->mapping == STUN_NAT_EI)
		snprintf(buf, cap, "a cone NAT (full, restricted or "
		    "port-restricted: filtering not tested)");
	else if (r->nat == 1)
		snprintf(buf, cap, "a NAT of unknown type (mapping not "
		    "tested)");
	else
		snprintf(buf, cap, "unknown");
	return (buf);
}

/* What the TCP mapping (--tcp) means for TCP hole punching. */
const char *
report_tcp_punch(const struct probe *p, const char **word)
{
	switch (p->tcp_mapping) {
	case STUN_NAT_EI:
		*word = "possible";
		return ("possible: the TCP mapping is endpoint-independent, "
		    "so a simultaneous open from the port the server saw "
		    "can meet a peer's (if the NAT lets the peer's SYN in "
		    "once it sent its own)");
	case STUN_NAT_AD:
	case STUN_NAT_APD:
	case STUN_NAT_DEP:
		*word = "unlikely";
		return ("unlikely: the TCP mapping depends on the "
		    "destination, so a peer would not meet the port the "
		    "server saw");
	default:
		*word = NULL;
		return ("unknown: the TCP mapping could not be measured");
	}
}

/* What the verdict means for a direct path. */
const char *
report_p2p(const struct probe *p)
{
	const struct stun_nat_result	*r = &p->nat.r;

	switch (r->nat_type) {
	case STUN_NAT_TYPE_OPEN:
		return ("direct connection possible with any peer; "
		    "peers can reach you first");
	case STUN_NAT_TYPE_FULL_CONE:
		return ("direct connection possible with any peer once you "
		    "have sent one packet out");
	case STUN_NAT_TYPE_RESTRICTED:
		return ("direct connection possible with hole punching, "
		    "also with peers behind symmetric NATs");
	case STUN_NAT_TYPE_PORT_RESTRICTED:
	case STUN_NAT_TYPE_SYM_FIREWALL:
		return ("direct connection possible with hole punching; "
		    "with a peer behind a symmetric NAT only by port "
		    "prediction or a birthday attempt, else a relay");
	case STUN_NAT_TYPE_SYMMETRIC:
		if (r->pattern == STUN_NAT_PAT_SEQUENTIAL ||
		    r->pattern == STUN_NAT_PAT_PRESERVE)
			return ("direct connection possible with peers behind "
			    "open, full-cone or restricted-cone NATs; with "
			    "port-restricted or symmetric peers only by port "
			    "prediction, else a relay");
		return ("direct connection possible with peers behind open, "
		    "full-cone or restricted-cone NATs; with port-restricted "
		    "peers only by a birthday attempt (many ports at once, "
		    "often but not always), with symmetric peers only by a "
		    "relay");
	case STUN_NAT_TYPE_BLOCKED:
		return ("UDP is blocked: only a relay over TCP or TLS can "
		    "work");
	}
	if (!r->server_ok)
		return ("unknown: the server did not answer");
	if (r->nat == 0)
		return ("direct connection possible; if a firewall here lets "
		    "in only replies, a peer behind a symmetric NAT needs a "
		    "relay");
	if (r->nat == 1 && r->mapping == STUN_NAT_EI)
		return ("direct connection possible with hole punching; a "
		    "peer behind a symmetric NAT may need a relay");
	if (r->mapping_why == STUN_NAT_WHY_SERVER2)
		return ("unknown until the mapping is tested (the second "
		    "server did not answer)");
	return ("unknown until the mapping is tested: give --second-server, "
	    "or use a server with two addresses");
}

/* "the server has one address (give --second-server HOST)". */
static const char *
report_why(const struct probe *p, int why, int mapping, char *buf,
    size_t cap)
{
	snprintf(buf, cap, "%s%s", stun_nat_why_text(why), mapping &&
	    why == STUN_NAT_WHY_ONE_ADDR && p->o.server2 == NULL ?
	    " (give --second-server HOST)" : "");
	return (buf);
}

/* The reason a result was not measured, or NULL when it was. */
const char *
report_not_tested(const struct probe *p, const char *what, char *buf,
    size_t cap)
{
	const struct stun_nat_result	*r = &p->nat.r;

	if (strcmp(what, "mapping") == 0 &&
	    r->mapping_why != STUN_NAT_WHY_MEASURED)
		return (report_why(p, r->mapping_why, 1, buf, cap));
	if (strcmp(what, "filtering") == 0 &&
	    r->filtering_why != STUN_NAT_WHY_MEASURED)
		return (report_why(p, r->filtering_why, 0, buf, cap));
	if (strcmp(what, "hairpinning") == 0 && !p->o.classic &&
	    r->hairpin < 0 && r->hairpin_why != STUN_NAT_WHY_MEASURED)
		return (report_why(p, r->hairpin_why, 0, buf, cap));
	return (NULL);
}

/*
 * The lint's checks, UDP and TCP, with one result each: the list both
 * outputs print and count.  Returns how many there are.
 */
unsigned
report_checks(const struct probe *p, struct report_check *c, unsigned cap,
    unsigned count[3])
{
	const struct stun_nat_test	*t;
	unsigned			 i, n = 0;

	count[0] = count[1] = count[2] = 0;
	for (i = 0; i < p->nat.ntests && n < cap; i++) {
		t = &p->nat.t[i];
		if (!t->check)
			continue;
		memset(&c[n], 0, sizeof(c[n]));
		c[n].name = t->name;
		c[n].result = t->pass > 0 ? REPORT_PASS : t->pass < 0 ?
		    REPORT_WARN : REPORT_FAIL;
		snprintf(c[n].reason, sizeof(c[n].reason), "%s", t->note);
		if (t->reqlen > 0 && t->anslen > 0) {
			c[n].bytes_in = t->reqlen;
			c[n].bytes_out = t->anslen;
		}
		n++;
	}
	/* RFC 8489 6.2.2: TCP is for clients whose UDP is blocked. */
	for (i = 0; i < p->ntcp && n < cap; i++) {
		memset(&c[n], 0, sizeof(c[n]));
		c[n].name = p->tcp[i].name;
		if (p->tcp[i].ok == 1) {
			c[n].result = REPORT_PASS;
			snprintf(c[n].reason, sizeof(c[n].reason),
			    "answers over TCP");
		} else if (p->tcp[i].connected) {
			c[n].result = REPORT_FAIL;
			snprintf(c[n].reason, sizeof(c[n].reason),
			    "takes TCP connections but: %s", p->tcp[i].note);
		} else {
			c[n].result = REPORT_WARN;
			snprintf(c[n].reason, sizeof(c[n].reason),
			    "no STUN over TCP (%s): clients whose UDP is "
			    "blocked cannot use it", p->tcp[i].note);
		}
		n++;
	}
	for (i = 0; i < n; i++)
		count[c[i].result]++;
	return (n);
}

int
report_lint_failed(const struct probe *p)
{
	struct report_check	 c[STUN_NAT_MAX_TESTS + PROBE_TCP_MAX];
	unsigned		 count[3];

	report_checks(p, c, STUN_NAT_MAX_TESTS + PROBE_TCP_MAX, count);
	return (count[REPORT_FAIL] > 0);
}

static void
report_tests(const struct probe *p)
{
	const struct stun_nat_test	*t;
	const struct probe_tcp		*c;
	char				 dst[64], obs[192], m[64], rtt[16];
	size_t				 l;
	unsigned			 i;

	printf("\nTests:\n  %-28s %-3s %-11s %7s  %-22s %s\n", "name", "rnd",
	    "result", "rtt", "destination", "observed");
	for (i = 0; i < p->nat.ntests; i++) {
		t = &p->nat.t[i];
		if (t->state == STUN_NAT_T_SKIPPED || t->state < STUN_NAT_T_RUN)
			snprintf(dst, sizeof(dst), "-");
		else
			report_addr(&t->dst, dst, sizeof(dst));
		obs[0] = '\0';
		if (t->has_mapped)
			snprintf(obs, sizeof(obs), "mapped %s",
			    report_addr(&t->mapped, m, sizeof(m)));
		if (t->role == STUN_NAT_R_HAIRPIN && t->state == STUN_NAT_T_OK)
			snprintf(obs, sizeof(obs), "came back through the NAT");
		if (t->answered > 1) {
			l = strlen(obs);
			snprintf(obs + l, sizeof(obs) - l,
			    "%sanswer to send %u", l > 0 ? "; " : "",
			    t->answered);
		}
		if (t->note[0] != '\0') {
			l = strlen(obs);
			snprintf(obs + l, sizeof(obs) - l, "%s%s",
			    l > 0 ? "; " : "", t->note);
		}
		if (t->state == STUN_NAT_T_OK)
			report_rtt(t->rtt_us, rtt, sizeof(rtt));
		else
			snprintf(rtt, sizeof(rtt), "-");
		printf("  %-28s %-3d %-11s %7s  %-22s %s\n", t->name,
		    t->round + 1, stun_nat_state_name(t->state), rtt, dst, obs);
	}
	for (i = 0; i < p->ntcp; i++) {
		c = &p->tcp[i];
		if (c->ok == 1) {
			report_rtt(c->rtt_us, rtt, sizeof(rtt));
			snprintf(obs, sizeof(obs), "mapped %s",
			    report_addr(&c->mapped, m, sizeof(m)));
		} else {
			snprintf(rtt, sizeof(rtt), "-");
			snprintf(obs, sizeof(obs), "%s", c->note);
		}
		printf("  %-28s %-3d %-11s %7s  %-22s %s\n", c->name, 1,
		    c->ok == 1 ? "ok" : "no-answer", rtt,
		    report_addr(&c->dst, dst, sizeof(dst)), obs);
	}
}

static void
report_lint(const struct probe *p)
{
	static const char *word[] = { "PASS", "WARN", "FAIL" };
	struct report_check	 c[STUN_NAT_MAX_TESTS + PROBE_TCP_MAX];
	unsigned		 i, n, count[3];
	char			 a[64];

	n = report_checks(p, c, STUN_NAT_MAX_TESTS + PROBE_TCP_MAX, count);
	printf("natprobe: lint of %s (%s): a server with %s\n\n",
	    p->o.server, report_addr(&p->server, a, sizeof(a)),
	    p->nat.r.server_addrs == 2 ? "two addresses (RFC 5780)" :
	    "one address");
	for (i = 0; i < n; i++) {
		printf("  %-5s %-22s %s", word[c[i].result], c[i].name,
		    c[i].reason);
		if (c[i].bytes_in > 0)
			printf(" [%zu -> %zu bytes, x%.2f]", c[i].bytes_in,
			    c[i].bytes_out, (double)c[i].bytes_out /
			    (double)c[i].bytes_in);
		putchar('\n');
	}
	printf("\n%u passed, %u warnings, %u failed\n", count[REPORT_PASS],
	    count[REPORT_WARN], count[REPORT_FAIL]);
	if (p->o.verbose)
		report_tests(p);
}

/* The routers that answered with ICMP time exceeded, in order. */
static void
report_path(const struct probe *p)
{
	char	 a[64];
	int	 k;

	if (!p->path_done)
		return;
	printf("  routers:");
	for (k = 0; k < PROBE_HOPS; k++) {
		if (p->hop_state[k] == 2) {
			printf(" -> server");
			break;
		}
		if (p->hop_state[k] == 1) {
			printf(" %s%s", k ? "-> " : "",
			    report_ip(&p->hop[k], a, sizeof(a)));
		} else
			printf(" %s*", k ? "-> " : "");
	}
	putchar('\n');
}

static void
report_behaviour(const struct probe *p, const char *what, int b,
    unsigned agree, unsigned total)
{
	char	 why[128];

	printf("  %-13s ", what);
	if (report_not_tested(p, what, why, sizeof(why)) == NULL)
		printf("%s%s (%u of %u round%s agreed)\n",
		    stun_nat_behaviour_name(b), b == STUN_NAT_DEP ?
		    ": address or address-and-port, not told apart" : "",
		    agree, total, total == 1 ? "" : "s");
	else if (p->nat.r.nat == 0 && strcmp(what, "mapping") == 0)
		printf("none: nothing translates\n");
	else
		printf("not tested: %s\n", why);
}

static void
report_ports(const struct stun_nat_result *r)
{
	printf("  ports         ");
	if (r->nat == 0)
		printf("kept (no translation)\n");
	else if (r->port_preserve < 0)
		printf("unknown\n");
	else if (r->pattern == STUN_NAT_PAT_SEQUENTIAL)
		printf("%s, then each new one %+d: the next port can be "
		    "predicted\n", r->port_preserve ? "kept" : "changed",
		    r->delta);
	else if (r->pattern == STUN_NAT_PAT_RANDOM)
		printf("%s, then at random: the next port cannot be "
		    "predicted\n", r->port_preserve ? "kept" : "changed");
	else if (r->pattern == STUN_NAT_PAT_PRESERVE &&
	    r->mapping != STUN_NAT_EI)
		printf("kept for a socket's first destination, then at "
		    "random: a new socket's port can be predicted\n");
	else if (r->port_preserve)
		printf("kept (port preservation)\n");
	else if (r->pattern == STUN_NAT_PAT_SAME)
		printf("changed, one port for every destination\n");
	else
		printf("changed\n");
}

static void
report_more(const struct probe *p)
{
	const struct stun_nat_result	*r = &p->nat.r;
	const char			*w;

	printf("  CGNAT         %s\n", r->cgnat ? "yes (100.64.0.0/10)" :
	    "no");
	if (r->double_nat != 1 && p->private_hops >= 2)
		printf("  double NAT    possible (%d routers with private "
		    "addresses on the way)\n", p->private_hops);
	else
		printf("  double NAT    %s\n", r->double_nat < 0 ? "unknown" :
		    r->double_nat ? "likely (the mapped address is private "
		    "or CGNAT)" : "no sign of one");
	if (r->lifetime > 0) {
		printf("  lifetime      alive after %u s idle", r->lifetime_lo);
		if (r->lifetime_hi > 0)
			printf(", gone after %u s\n", r->lifetime_hi);
		else
			printf(" (the longest tried)\n");
	} else if (r->lifetime < 0)
		printf("  lifetime      not tested: the server ignores "
		    "RESPONSE-PORT\n");
	if (p->o.tcp) {
		printf("  TCP mapping   %s\n",
		    stun_nat_behaviour_name(p->tcp_mapping));
		printf("  TCP punching  %s\n", report_tcp_punch(p, &w));
	}
	if (r->server2 != STUN_NAT_SRV_NONE &&
	    r->server2 != STUN_NAT_SRV_ANSWERING)
		printf("  note          the second server is %s\n",
		    stun_nat_server_name(r->server2));
}

void
report_text(const struct probe *p)
{
	const struct stun_nat_result	*r = &p->nat.r;
	char				 a[64], b[64], c[128];

	if (p->o.lint) {
		report_lint(p);
		return;
	}
	printf("natprobe: %s (%s), %s tests, %llu ms\n\n", p->o.server,
	    report_addr(&p->server, a, sizeof(a)), p->o.classic ?
	    "RFC 3489" : "RFC 5780", (unsigned long long)(p->t1 - p->t0));
	printf("  NAT type      %s\n", report_verdict(p, c, sizeof(c)));
	report_behaviour(p, "mapping", r->mapping, r->map_agree,
	    r->map_total);
	report_behaviour(p, "filtering", r->filtering, r->filt_agree,
	    r->filt_total);
	if (!p->o.classic) {
		printf("  hairpinning   ");
		if (r->hairpin == 1 && r->nat == 0)
			printf("yes (no NAT in the way)\n");
		else if (r->hairpin >= 0)
			printf("%s\n", r->hairpin ? "yes" : "no");
		else
			printf("not tested: %s\n",
			    stun_nat_why_text(r->hairpin_why));
	}
	report_ports(r);
	report_more(p);

	printf("\n  %s -> %s -> %s -> %s\n",
	    report_addr(&r->local, a, sizeof(a)),
	    r->nat == 0 ? "(no NAT)" : "[NAT]",
	    report_addr(&r->mapped, b, sizeof(b)),
	    report_addr(&p->server, c, sizeof(c)));
	report_path(p);
	printf("\nPeer-to-peer: %s.\n", report_p2p(p));
	if (r->nat == 1) {
		printf("RFC 4787: mapping %s (REQ-1), hairpinning %s (REQ-9)",
		    r->mapping == STUN_NAT_EI ? "meets" :
		    r->mapping == STUN_NAT_UNKNOWN ? "untested" : "fails",
		    r->hairpin == 1 ? "meets" : r->hairpin == 0 ? "fails" :
		    "untested");
		if (r->lifetime > 0)
			printf(", binding lifetime %s (REQ-5, 120 s)",
			    r->lifetime_lo >= 120 ? "meets" :
			    r->lifetime_hi > 0 && r->lifetime_hi <= 120 ?
			    "fails" : "undecided");
		printf(".\n");
	}
	if (p->o.verbose)
		report_tests(p);
}

void
report_progress(struct probe *p, int final)
{
	const struct stun_nat_test	*t;
	unsigned			 i, done = 0;
	char				 a[64], rtt[16];

	for (i = 0; i < p->nat.ntests; i++) {
		t = &p->nat.t[i];
		if (t->state < STUN_NAT_T_OK)
			continue;
		done++;
		if (!p->o.verbose || p->shown[i])
			continue;
		p->shown[i] = 1;
		if (p->tty)
			fprintf(stderr, "\r%40s\r", "");
		fprintf(stderr, "natprobe: %s (round %d): %s", t->name,
		    t->round + 1, stun_nat_state_name(t->state));
		if (t->state == STUN_NAT_T_OK)
			fprintf(stderr, " in %s",
			    report_rtt(t->rtt_us, rtt, sizeof(rtt)));
		if (t->has_mapped)
			fprintf(stderr, ", mapped %s",
			    report_addr(&t->mapped, a, sizeof(a)));
		if (t->note[0] != '\0')
			fprintf(stderr, " (%s)", t->note);
		fputc('\n', stderr);
	}
	if (!p->tty)
		return;
	if (final)
		fprintf(stderr, "\r%40s\r", "");
	else
		fprintf(stderr, "\rnatprobe: %u of %u tests done", done,
		    p->nat.ntests);
}
