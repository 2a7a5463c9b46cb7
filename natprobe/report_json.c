/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * natprobe --json: one object with the verdicts, what could not be tested
 * and why, how the server answered, every test with its raw observations
 * and round-trip time, and in lint mode every check with its result.
 * Field names and values that exist are kept; new ones are only added.
 */
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "natprobe.h"

static const char *
report_json_mode(const struct probe *p)
{
	return (p->o.lint ? "lint" : p->o.classic ? "rfc3489" : "rfc5780");
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

/* "rtt_ms":0.1,"rtt_us":87 for an answer, nulls without one. */
static void
report_json_rtt(int ok, uint32_t us)
{
	if (ok)
		printf(",\"rtt_ms\":%u.%u,\"rtt_us\":%u", us / 1000,
		    us % 1000 / 100, us);
	else
		printf(",\"rtt_ms\":null,\"rtt_us\":null");
}

static void
report_json_test(const struct probe *p, const struct stun_nat_test *t)
{
	printf("{\"name\":");
	report_json_str(t->name);
	printf(",\"round\":%d,\"result\":", t->round + 1);
	report_json_str(stun_nat_state_name(t->state));
	report_json_rtt(t->state == STUN_NAT_T_OK, t->rtt_us);
	printf(",\"sent\":%u,\"answered_send\":", t->txn.sent);
	if (t->answered > 0)
		printf("%u,", t->answered);
	else
		printf("null,");
	report_json_addr("local", &p->nat.local[t->sock], 1);
	putchar(',');
	report_json_addr("destination", &t->dst,
	    t->state >= STUN_NAT_T_RUN && t->state != STUN_NAT_T_SKIPPED);
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

static void
report_json_tests(const struct probe *p)
{
	const struct probe_tcp		*c;
	unsigned			 i, first = 1;

	printf(",\"tests\":[");
	for (i = 0; i < p->nat.ntests; i++) {
		printf("%s", first ? "" : ",");
		first = 0;
		report_json_test(p, &p->nat.t[i]);
	}
	for (i = 0; i < p->ntcp; i++) {
		c = &p->tcp[i];
		printf("%s{\"name\":", first ? "" : ",");
		first = 0;
		report_json_str(c->name);
		printf(",\"round\":1,\"result\":\"%s\"", c->ok == 1 ? "ok" :
		    "no-answer");
		report_json_rtt(c->ok == 1, c->rtt_us);
		putchar(',');
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

/* Every lint check with its result and reason, and the counts. */
static void
report_json_checks(const struct probe *p)
{
	static const char *word[] = { "pass", "warn", "fail" };
	struct report_check	 c[STUN_NAT_MAX_TESTS + PROBE_TCP_MAX];
	unsigned		 i, n, count[3];

	n = report_checks(p, c, STUN_NAT_MAX_TESTS + PROBE_TCP_MAX, count);
	printf(",\"lint\":{\"pass\":%u,\"warn\":%u,\"fail\":%u}",
	    count[REPORT_PASS], count[REPORT_WARN], count[REPORT_FAIL]);
	printf(",\"checks\":[");
	for (i = 0; i < n; i++) {
		printf("%s{\"name\":", i > 0 ? "," : "");
		report_json_str(c[i].name);
		printf(",\"result\":\"%s\",\"reason\":", word[c[i].result]);
		report_json_str(c[i].reason);
		putchar('}');
	}
	putchar(']');
}

/* The routers up to the server, when the path was traced. */
static void
report_json_path(const struct probe *p)
{
	const struct stun_nat_result	*r = &p->nat.r;
	char				 buf[64];
	int				 k;

	printf(",\"double_nat_possible\":%s,\"private_hops\":%d,\"path\":[",
	    r->double_nat == 1 || p->private_hops >= 2 ? "true" : "false",
	    p->private_hops);
	for (k = 0; k < PROBE_HOPS; k++) {
		printf("%s{\"ttl\":%d,\"router\":", k ? "," : "", k + 1);
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

/* How the server answered, and when it did not, why and how sure. */
static void
report_json_server(const struct probe *p)
{
	static const char *icmp[] = { "", "port-unreachable",
	    "host-unreachable", "administratively-prohibited" };
	static const char *sure[] = { "", "low", "medium", "high" };
	static const char *tcp[] = { "", "answers", "connects", "refused",
	    "silent" };
	const struct stun_nat_result	*r = &p->nat.r;
	char				 buf[64];

	printf(",\"server_status\":");
	report_json_str(stun_nat_server_name(r->server));
	if (p->o.server2 != NULL) {
		printf(",\"server2_status\":");
		report_json_str(stun_nat_server_name(r->server2));
	}
	printf(",\"server_addresses\":");
	if (r->server_ok)
		printf("%d", r->server_addrs);
	else
		printf("null");
	printf(",\"icmp\":");
	if (r->icmp >= STUN_NAT_ICMP_PORT &&
	    r->icmp <= STUN_NAT_ICMP_PROHIBITED) {
		printf("{\"kind\":\"%s\",\"from\":", icmp[r->icmp]);
		if (r->icmp_from.family != 0)
			report_json_str(report_ip(&r->icmp_from, buf,
			    sizeof(buf)));
		else
			printf("null");
		putchar('}');
	} else
		printf("null");
	printf(",\"blocked\":");
	if (r->nat_type == STUN_NAT_TYPE_BLOCKED &&
	    p->certainty > PROBE_SURE_NONE) {
		printf("{\"certainty\":\"%s\",\"tcp\":\"%s\",\"reason\":",
		    sure[p->certainty], tcp[p->blocked_tcp]);
		report_json_str(report_blocked(p));
		putchar('}');
	} else
		printf("null");
	printf(",\"error\":");
	if (p->err[0] != '\0')
		report_json_str(p->err);
	else
		printf("null");
}

/* "not_tested": {"filtering": "the server has one address", ...}. */
static void
report_json_not_tested(const struct probe *p)
{
	static const char *what[] = { "mapping", "filtering", "hairpinning" };
	const char	*why;
	char		 buf[128];
	unsigned	 i, n = 0;

	printf(",\"not_tested\":{");
	for (i = 0; i < sizeof(what) / sizeof(what[0]) && !p->o.lint; i++) {
		if ((why = report_not_tested(p, what[i], buf,
		    sizeof(buf))) == NULL)
			continue;
		printf("%s\"%s\":", n++ > 0 ? "," : "", what[i]);
		report_json_str(why);
	}
	putchar('}');
}

void
report_json(const struct probe *p)
{
	const struct stun_nat_result	*r = &p->nat.r;
	const char			*w;
	char				 buf[128];

	printf("{\"server\":");
	report_json_str(report_addr(&p->server, buf, sizeof(buf)));
	printf(",\"server_name\":");
	report_json_str(p->o.server);
	printf(",\"mode\":\"%s\",\"nat_type\":", report_json_mode(p));
	if (p->o.lint || r->nat_type == STUN_NAT_TYPE_UNKNOWN)
		printf("null");
	else
		report_json_str(stun_nat_type_name(r->nat_type));
	printf(",\"verdict\":");
	report_json_str(p->o.lint ? "lint" : report_verdict(p, buf,
	    sizeof(buf)));
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
	report_json_not_tested(p);
	putchar(',');
	report_json_addr("local_address", &r->local, r->server_ok);
	putchar(',');
	report_json_addr("mapped_address", &r->mapped, r->has_mapped);
	putchar(',');
	report_json_addr("other_address", &r->other, r->has_other);
	report_json_server(p);
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
	if (p->path_done)
		report_json_path(p);
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
		(void)report_tcp_punch(p, &w);
		printf(",\"tcp_hole_punching\":");
		if (w != NULL)
			report_json_str(w);
		else
			printf("null");
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
		report_json_checks(p);
	printf(",\"p2p\":");
	report_json_str(report_p2p(p));
	printf(",\"elapsed_ms\":%llu",
	    (unsigned long long)(p->t1 - p->t0));
	report_json_tests(p);
	printf("}\n");
}
