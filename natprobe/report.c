/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * natprobe's output: the human report (verdict in both vocabularies, what
 * it means for peer-to-peer, every test with its RTT, a picture of the
 * path), the --json object, and progress on a terminal.
 */
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "natprobe.h"

static const char *
report_addr(const struct stun_addr *a, char *buf, size_t cap)
{
	if (a->family == 0 || stun_addr_format(a, buf, cap) != 0)
		snprintf(buf, cap, "-");
	return (buf);
}

static const char *
report_mode(const struct probe *p)
{
	return (p->o.lint ? "lint" : p->o.classic ? "rfc3489" : "rfc5780");
}

/* What a classic type means for a direct path. */
static const char *
report_p2p(const struct stun_nat_result *r)
{
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
		    "needs a relay when the peer is behind a symmetric NAT");
	case STUN_NAT_TYPE_SYMMETRIC:
		if (r->pattern == STUN_NAT_PAT_SEQUENTIAL)
			return ("direct connection possible with peers behind "
			    "open, full-cone or restricted-cone NATs; with "
			    "port-restricted or symmetric peers only by port "
			    "prediction, else a relay");
		return ("direct connection possible with peers behind open, "
		    "full-cone or restricted-cone NATs; needs a relay when "
		    "the peer is behind a port-restricted-cone or symmetric "
		    "NAT");
	case STUN_NAT_TYPE_BLOCKED:
		return ("UDP is blocked: only a relay over TCP or TLS can "
		    "work");
	}
	return ("unknown: not enough answers to tell");
}

static void
report_json_str(const char *s)
{
	json_write_str(stdout, s, strlen(s));
}

static void
report_json_addr(const char *key, const struct stun_addr *a, int has)
{
	char	 buf[64];

	printf("\"%s\":", key);
	if (!has || a->family == 0 || stun_addr_format(a, buf, sizeof(buf)))
		printf("null");
	else
		report_json_str(buf);
}

/* An address without its port ("192.0.2.1", "2001:db8::1"). */
static const char *
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

static void
report_json_tri(const char *key, int v)
{
	printf("\"%s\":%s", key, v < 0 ? "null" : v ? "true" : "false");
}

static void
report_json_behaviour(const char *key, int b)
{
	printf("\"%s\":", key);
	if (b == STUN_NAT_EI || b == STUN_NAT_AD || b == STUN_NAT_APD)
		report_json_str(stun_nat_behaviour_name(b));
	else
		printf("null");
}

static void
report_json_tests(const struct probe *p)
{
	const struct stun_nat_test	*t;
	const struct probe_tcp		*c;
	unsigned			 i, first = 1;

	printf(",\"tests\":[");
	for (i = 0; i < p->nat.ntests; i++) {
		t = &p->nat.t[i];
		printf("%s{\"name\":", first ? "" : ",");
		first = 0;
		report_json_str(t->name);
		printf(",\"round\":%d,\"result\":", t->round + 1);
		report_json_str(stun_nat_state_name(t->state));
		if (t->state == STUN_NAT_T_OK)
			printf(",\"rtt_ms\":%u", t->rtt);
		else
			printf(",\"rtt_ms\":null");
		printf(",\"sent\":%u,", t->txn.sent);
		report_json_addr("local", &p->nat.local[t->sock], 1);
		putchar(',');
		report_json_addr("destination", &t->dst,
		    t->state >= STUN_NAT_T_RUN &&
		    t->state != STUN_NAT_T_SKIPPED);
		putchar(',');
		report_json_addr("mapped", &t->mapped, t->has_mapped);
		putchar(',');
		report_json_addr("from", &t->from, t->state == STUN_NAT_T_OK ||
		    t->state == STUN_NAT_T_ERROR);
		if (t->change != 0)
			printf(",\"change_request\":%u", t->change);
		if (t->code != 0)
			printf(",\"error_code\":%d", t->code);
		if (p->o.lint) {
			printf(",\"pass\":%s", t->pass > 0 ? "true" :
			    t->pass < 0 ? "null" : "false");
			if (t->reqlen > 0 && t->anslen > 0)
				printf(",\"bytes_in\":%zu,\"bytes_out\":%zu,"
				    "\"amplification\":%.2f", t->reqlen,
				    t->anslen, (double)t->anslen /
				    (double)t->reqlen);
		}
		if (t->note[0] != '\0') {
			printf(",\"note\":");
			report_json_str(t->note);
		}
		putchar('}');
	}
	for (i = 0; i < p->ntcp; i++) {
		c = &p->tcp[i];
		printf("%s{\"name\":", first ? "" : ",");
		first = 0;
		report_json_str(c->name);
		printf(",\"round\":1,\"result\":\"%s\"", c->ok == 1 ? "ok" :
		    "no-answer");
		if (c->ok == 1)
			printf(",\"rtt_ms\":%u,", c->rtt);
		else
			printf(",\"rtt_ms\":null,");
		report_json_addr("local", &c->local, 1);
		putchar(',');
		report_json_addr("destination", &c->dst, 1);
		putchar(',');
		report_json_addr("mapped", &c->mapped, c->ok == 1);
		if (c->note[0] != '\0') {
			printf(",\"note\":");
			report_json_str(c->note);
		}
		putchar('}');
	}
	putchar(']');
}

void
report_json(const struct probe *p)
{
	const struct stun_nat_result	*r = &p->nat.r;
	char				 buf[80];

	printf("{\"server\":");
	report_json_str(report_addr(&p->server, buf, sizeof(buf)));
	printf(",\"server_name\":");
	report_json_str(p->o.server);
	printf(",\"mode\":\"%s\",\"nat_type\":", report_mode(p));
	if (p->o.lint || r->nat_type == STUN_NAT_TYPE_UNKNOWN)
		printf("null");
	else
		report_json_str(stun_nat_type_name(r->nat_type));
	putchar(',');
	report_json_tri("nat", r->nat);
	putchar(',');
	report_json_behaviour("mapping", r->mapping);
	printf(",\"mapping_detail\":");
	report_json_str(stun_nat_behaviour_name(r->mapping));
	printf(",\"mapping_agree\":%u,\"mapping_rounds\":%u,", r->map_agree,
	    r->map_total);
	report_json_behaviour("filtering", r->filtering);
	printf(",\"filtering_agree\":%u,\"filtering_rounds\":%u,",
	    r->filt_agree, r->filt_total);
	report_json_tri("hairpinning", r->hairpin);
	putchar(',');
	report_json_addr("local_address", &r->local, r->server_ok);
	putchar(',');
	report_json_addr("mapped_address", &r->mapped, r->has_mapped);
	putchar(',');
	report_json_addr("other_address", &r->other, r->has_other);
	putchar(',');
	report_json_tri("port_preservation", r->port_preserve);
	printf(",\"port_pattern\":");
	report_json_str(stun_nat_pattern_name(r->pattern));
	if (r->pattern == STUN_NAT_PAT_SEQUENTIAL)
		printf(",\"port_delta\":%d", r->delta);
	else
		printf(",\"port_delta\":null");
	printf(",\"cgnat\":%s,", r->cgnat ? "true" : "false");
	report_json_tri("double_nat", r->double_nat);
	if (p->path_done) {
		int	 k;

		printf(",\"double_nat_possible\":%s,\"private_hops\":%d,"
		    "\"path\":[", r->double_nat == 1 || p->private_hops >= 2 ?
		    "true" : "false", p->private_hops);
		for (k = 0; k < PROBE_HOPS; k++) {
			printf("%s{\"ttl\":%d,\"router\":", k ? "," : "",
			    k + 1);
			if (p->hop_state[k] == 1)
				report_json_str(report_ip(&p->hop[k], buf,
				    sizeof(buf)));
			else
				printf("null");
			printf(",\"server\":%s}", p->hop_state[k] == 2 ?
			    "true" : "false");
			if (p->hop_state[k] == 2)
				break;
		}
		putchar(']');
	}
	putchar(',');
	report_json_tri("change_request_honoured", r->server_ok ?
	    r->change_ok : -1);
	if (r->lifetime > 0) {
		printf(",\"lifetime\":{\"alive_s\":%u,\"expired_s\":",
		    r->lifetime_lo);
		if (r->lifetime_hi > 0)
			printf("%u}", r->lifetime_hi);
		else
			printf("null}");
	} else
		printf(",\"lifetime\":null");
	if (p->o.tcp) {
		printf(",");
		report_json_behaviour("tcp_mapping", p->tcp_mapping);
	}
	if (r->map_total > 0)
		printf(",\"mapping_confidence\":%.2f",
		    (double)r->map_agree / r->map_total);
	if (r->filt_total > 0)
		printf(",\"filtering_confidence\":%.2f",
		    (double)r->filt_agree / r->filt_total);
	/* RFC 4787 REQ-1, REQ-9 and REQ-5, where measured. */
	if (r->nat == 1) {
		printf(",\"rfc4787\":{");
		report_json_tri("req1_endpoint_independent_mapping",
		    r->mapping == STUN_NAT_UNKNOWN ? -1 :
		    r->mapping == STUN_NAT_EI);
		putchar(',');
		report_json_tri("req9_hairpinning", r->hairpin);
		putchar(',');
		report_json_tri("req5_lifetime_2min", r->lifetime <= 0 ? -1 :
		    r->lifetime_lo >= 120 ? 1 : r->lifetime_hi > 0 &&
		    r->lifetime_hi <= 120 ? 0 : -1);
		putchar('}');
	} else
		printf(",\"rfc4787\":null");
	if (p->o.lint)
		printf(",\"lint\":{\"pass\":%u,\"warn\":%u,\"fail\":%u}",
		    r->lint_pass, r->lint_warn, r->lint_fail);
	printf(",\"p2p\":");
	report_json_str(report_p2p(r));
	printf(",\"elapsed_ms\":%llu",
	    (unsigned long long)(p->t1 - p->t0));
	report_json_tests(p);
	printf("}\n");
}

static void
report_tests(const struct probe *p)
{
	const struct stun_nat_test	*t;
	const struct probe_tcp		*c;
	char				 dst[64], obs[160], m[64];
	unsigned			 i;

	printf("\nTests:\n  %-28s %-3s %-9s %7s  %-22s %s\n", "name", "rnd",
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
		if (t->note[0] != '\0') {
			size_t	 l = strlen(obs);

			snprintf(obs + l, sizeof(obs) - l, "%s%s",
			    l > 0 ? "; " : "", t->note);
		}
		if (t->state == STUN_NAT_T_OK)
			snprintf(m, sizeof(m), "%u ms", t->rtt);
		else
			snprintf(m, sizeof(m), "-");
		printf("  %-28s %-3d %-9s %7s  %-22s %s\n", t->name,
		    t->round + 1, stun_nat_state_name(t->state), m, dst, obs);
	}
	for (i = 0; i < p->ntcp; i++) {
		c = &p->tcp[i];
		report_addr(&c->dst, dst, sizeof(dst));
		if (c->ok == 1)
			snprintf(m, sizeof(m), "%u ms", c->rtt);
		else
			snprintf(m, sizeof(m), "-");
		snprintf(obs, sizeof(obs), "%s%s", c->ok == 1 ? "mapped " :
		    "", c->ok == 1 ? report_addr(&c->mapped, dst + 32, 32) :
		    c->note);
		printf("  %-28s %-3d %-9s %7s  %-22s %s\n", c->name, 1,
		    c->ok == 1 ? "ok" : "no-answer", m,
		    report_addr(&c->dst, dst, 32), obs);
	}
}

static void
report_lint(const struct probe *p)
{
	const struct stun_nat_result	*r = &p->nat.r;
	const struct stun_nat_test	*t;
	unsigned			 i;

	printf("natprobe: lint of %s\n\n", p->o.server);
	for (i = 0; i < p->nat.ntests; i++) {
		t = &p->nat.t[i];
		printf("  %-5s %-22s %s", t->pass > 0 ? "PASS" : t->pass < 0 ?
		    "WARN" : "FAIL", t->name, t->note);
		if (t->reqlen > 0 && t->anslen > 0)
			printf(" [%zu -> %zu bytes, x%.2f]", t->reqlen,
			    t->anslen, (double)t->anslen / (double)t->reqlen);
		putchar('\n');
	}
	for (i = 0; i < p->ntcp; i++)
		printf("  %-5s %-22s %s\n", p->tcp[i].ok == 1 ? "PASS" : "FAIL",
		    p->tcp[i].name, p->tcp[i].ok == 1 ? "answers over TCP" :
		    p->tcp[i].note);
	printf("\n%u passed, %u warnings, %u failed\n", r->lint_pass +
	    (p->ntcp > 0 && p->tcp[0].ok == 1), r->lint_warn,
	    r->lint_fail + (p->ntcp > 0 && p->tcp[0].ok != 1));
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

static const char *
report_yesno(int v, const char *yes, const char *no)
{
	return (v < 0 ? "unknown" : v ? yes : no);
}

void
report_text(const struct probe *p)
{
	const struct stun_nat_result	*r = &p->nat.r;
	char				 a[64], b[64], c[64];

	if (p->o.lint) {
		report_lint(p);
		return;
	}
	printf("natprobe: %s (%s), %s tests, %llu ms\n\n", p->o.server,
	    report_addr(&p->server, a, sizeof(a)), p->o.classic ?
	    "RFC 3489" : "RFC 5780", (unsigned long long)(p->t1 - p->t0));
	printf("  NAT type      %s%s\n", stun_nat_type_name(r->nat_type),
	    r->nat == 0 ? " (no NAT: mapped address is the local address)" :
	    "");
	printf("  mapping       %s", stun_nat_behaviour_name(r->mapping));
	if (r->map_total > 0)
		printf(" (%u of %u rounds agree)", r->map_agree, r->map_total);
	printf("\n  filtering     %s", stun_nat_behaviour_name(r->filtering));
	if (r->filt_total > 0)
		printf(" (%u of %u rounds agree)", r->filt_agree,
		    r->filt_total);
	printf("\n  hairpinning   %s\n", report_yesno(r->hairpin, "yes", "no"));
	printf("  ports         %s, allocation %s", report_yesno(
	    r->port_preserve, "preserved", "not preserved"),
	    stun_nat_pattern_name(r->pattern));
	if (r->pattern == STUN_NAT_PAT_SEQUENTIAL)
		printf(" (delta %+d: the next port can be predicted)",
		    r->delta);
	printf("\n  CGNAT         %s\n", r->cgnat ? "yes (100.64.0.0/10)" :
	    "no");
	if (r->double_nat != 1 && p->private_hops >= 2)
		printf("  double NAT    possible (%d routers with private "
		    "addresses on the way)\n", p->private_hops);
	else
		printf("  double NAT    %s\n", report_yesno(r->double_nat,
		    "likely (mapped address is private or CGNAT)", "no sign"));
	if (r->lifetime > 0) {
		printf("  lifetime      alive at %u s", r->lifetime_lo);
		if (r->lifetime_hi > 0)
			printf(", expired by %u s\n", r->lifetime_hi);
		else
			printf(" (the longest tested)\n");
	} else if (r->lifetime < 0)
		printf("  lifetime      not measured (server ignores "
		    "RESPONSE-PORT)\n");
	if (p->o.tcp)
		printf("  TCP mapping   %s\n",
		    stun_nat_behaviour_name(p->tcp_mapping));
	if (!r->has_other && !p->o.classic)
		printf("  note          server gave no OTHER-ADDRESS: "
		    "mapping needs --second-server\n");
	if (!r->change_ok)
		printf("  note          server did not honour CHANGE-REQUEST: "
		    "filtering unknown\n");

	printf("\n  %s -> %s -> %s -> %s\n",
	    report_addr(&r->local, a, sizeof(a)),
	    r->nat == 0 ? "(no NAT)" : "[NAT]",
	    report_addr(&r->mapped, b, sizeof(b)),
	    report_addr(&p->server, c, sizeof(c)));
	report_path(p);
	printf("\nPeer-to-peer: %s.\n", report_p2p(r));
	if (r->nat == 1) {
		printf("RFC 4787: mapping %s (REQ-1), hairpinning %s (REQ-9)",
		    r->mapping == STUN_NAT_EI ? "meets" : "fails",
		    r->hairpin == 1 ? "meets" : r->hairpin == 0 ? "fails" :
		    "untested");
		if (r->lifetime > 0)
			printf(", binding lifetime %s (REQ-5, 120 s)",
			    r->lifetime_lo >= 120 ? "meets" :
			    r->lifetime_hi > 0 && r->lifetime_hi <= 120 ?
			    "fails" : "undecided");
		printf(".\n");
	}
	report_tests(p);
}

void
report_progress(struct probe *p, int final)
{
	const struct stun_nat_test	*t;
	unsigned			 i, done = 0;
	char				 a[64];

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
			fprintf(stderr, " in %u ms", t->rtt);
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
