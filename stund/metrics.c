/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Prometheus text metrics over libevent's HTTP server, on loopback unless
 * configured otherwise.  Counters are summed over the workers at scrape
 * time; bytes in and out per method and class show the amplification.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "common/log.h"
#include "common/sock.h"
#include "cluster.h"
#include "rdvio.h"
#include "relay.h"
#include "relayio.h"
#include "rooms.h"
#include "stund.h"

static const char *metrics_meth_names[CNT_NMETH] = { "binding", "other" };
static const char *metrics_cls_names[4] = {
	"request", "indication", "success", "error"
};

/* A counter or gauge of a struct made of uint64_t, by name. */
struct metrics_field {
	const char	*name;
	const char	*type;
	const char	*help;
	size_t		 off;
};

/* Every field of struct rooms_metrics. */
static const struct metrics_field metrics_rdv[] = {
#define R(f)	offsetof(struct rooms_metrics, f)
	{ "stund_rdv_rooms", "gauge", "Rendezvous rooms in use.", R(rooms) },
	{ "stund_rdv_members", "gauge", "Rendezvous members in rooms.",
	    R(members) },
	{ "stund_rdv_joins_total", "counter", "Members that joined a room.",
	    R(joins) },
	{ "stund_rdv_rejoins_total", "counter", "Registers of a known "
	    "member.", R(rejoins) },
	{ "stund_rdv_leaves_total", "counter", "Members that left.",
	    R(leaves) },
	{ "stund_rdv_timeouts_total", "counter", "Members removed after the "
	    "member timeout.", R(timeouts) },
	{ "stund_rdv_moves_total", "counter", "Members seen from a new "
	    "address.", R(moves) },
	{ "stund_rdv_refused_rooms_total", "counter", "Registers refused "
	    "with 508: room table full.", R(refused_rooms) },
	{ "stund_rdv_refused_room_full_total", "counter", "Registers refused "
	    "with 508: room at its member cap.", R(refused_room_full) },
	{ "stund_rdv_refused_members_total", "counter", "Registers refused "
	    "with 508: member table full.", R(refused_members) },
	{ "stund_rdv_rate_limited_total", "counter", "Registers dropped by "
	    "the per-source limit.", R(rate_limited) },
	{ "stund_rdv_rate_evictions_total", "counter", "Register limiter "
	    "slots reused.", R(rate_evictions) },
	{ "stund_rdv_bad_integrity_total", "counter", "Rendezvous messages "
	    "dropped: integrity or fingerprint missing or wrong.",
	    R(bad_integrity) },
	{ "stund_rdv_bad_requests_total", "counter", "Rendezvous messages "
	    "malformed or answered 400.", R(bad_request) },
	{ "stund_rdv_unknown_member_total", "counter", "Requests answered "
	    "437: no such member.", R(unknown_member) },
	{ "stund_rdv_members_sent_total", "counter", "Members indications "
	    "sent.", R(indications) },
	{ "stund_rdv_go_sent_total", "counter", "Go indications sent.",
	    R(gos) },
	{ "stund_rdv_rtt_samples_total", "counter", "Round-trip samples "
	    "taken.", R(rtt_samples) },
	{ "stund_rdv_out_overflow_total", "counter", "Rendezvous datagrams "
	    "that did not fit the output buffer.", R(out_overflow) },
	{ "stund_rdv_relay_credentials_total", "counter", "TURN credentials "
	    "handed out in Register answers.", R(relay_creds) },
	{ "stund_rdv_relay_credential_errors_total", "counter", "TURN "
	    "credentials that could not be made.", R(relay_cred_errors) },
	{ "stund_rdv_cookies_total", "counter", "First-step Register answers "
	    "(cookies).", R(cookies) },
	{ "stund_rdv_bad_cookie_total", "counter", "Second-step Registers "
	    "with a stale or forged cookie.", R(bad_cookie) },
	{ "stund_rdv_replays_total", "counter", "Sealed requests seen "
	    "before, dropped.", R(replays) },
	{ "stund_rdv_challenges_total", "counter", "Path challenges sent to "
	    "a member's new address.", R(challenges) },
	{ "stund_rdv_refused_prefix_total", "counter", "Registers refused by "
	    "a per-prefix cap.", R(refused_prefix) },
	{ "stund_rdv_member_limited_total", "counter", "Member requests over "
	    "their rate, dropped.", R(ka_limited) },
	{ "stund_rdv_unverified_limited_total", "counter", "Answers to "
	    "unverified sources not sent (rate).", R(err_limited) },
	{ "stund_rdv_budget_drops_total", "counter", "Indications over a "
	    "member's byte budget, not sent.", R(budget_drops) },
	{ "stund_rdv_move_limited_total", "counter", "Moves refused as too "
	    "frequent.", R(move_limited) },
	{ "stund_rdv_resyncs_total", "counter", "Member list pages sent.",
	    R(resyncs) },
	{ "stund_rdv_v1_refused_total", "counter", "Version 1 rendezvous "
	    "messages refused.", R(v1_refused) },
	{ "stund_rdv_too_big_total", "counter", "Answers larger than allowed, "
	    "not sent.", R(too_big) },
	{ "stund_rdv_prefix_full_total", "counter", "Registers refused: the "
	    "prefix table was full.", R(prefix_evictions) },
	{ "stund_rdv_stream_closed_total", "counter", "Members that left "
	    "because their TCP or TLS connection closed.", R(stream_closed) },
#undef R
};

/* Every counter of struct relay_metrics but the errors by code. */
static const struct metrics_field metrics_relay[] = {
#define M(f)	offsetof(struct relay_metrics, f)
	{ "stund_turn_allocations", "gauge", "TURN allocations.", M(allocs) },
	{ "stund_turn_permissions", "gauge", "TURN permissions installed.",
	    M(perms) },
	{ "stund_turn_channels", "gauge", "TURN channels bound (and cooling "
	    "down).", M(chans) },
	{ "stund_turn_allocations_created_total", "counter", "Allocations "
	    "made.", M(created) },
	{ "stund_turn_refreshes_total", "counter", "Refreshes with a "
	    "lifetime.", M(refreshed) },
	{ "stund_turn_allocations_deleted_total", "counter", "Allocations "
	    "ended by Refresh with lifetime 0.", M(deleted) },
	{ "stund_turn_allocations_expired_total", "counter", "Allocations "
	    "that were not refreshed in time.", M(expired) },
	{ "stund_turn_allocations_time_capped_total", "counter", "Allocations "
	    "ended at max-alloc-time.", M(capped_time) },
	{ "stund_turn_allocations_bytes_capped_total", "counter",
	    "Allocations ended at max-alloc-bytes.", M(capped_bytes) },
	{ "stund_turn_allocations_closed_total", "counter", "Allocations "
	    "ended because their TCP/TLS client went away.", M(closed) },
	{ "stund_turn_auth_failures_total", "counter", "Requests refused "
	    "with 401 or 400 by the credential check.", M(auth_fail) },
	{ "stund_turn_stale_nonces_total", "counter", "438 Stale Nonce "
	    "answers.", M(stale_nonce) },
	{ "stund_turn_peer_denied_total", "counter", "Peers refused by the "
	    "peer policy (403 or dropped).", M(peer_denied) },
	{ "stund_turn_no_permission_total", "counter", "Datagrams dropped "
	    "for want of a permission or channel.", M(no_perm) },
	{ "stund_turn_no_allocation_total", "counter", "Indications, "
	    "ChannelData or peer datagrams without an allocation.",
	    M(no_alloc) },
	{ "stund_turn_bad_indications_total", "counter", "Malformed or "
	    "misfingerprinted TURN messages and ChannelData.",
	    M(bad_indication) },
	{ "stund_turn_send_errors_total", "counter", "Relay sends that "
	    "failed.", M(send_fail) },
	{ "stund_turn_peer_truncated_total", "counter", "Peer datagrams "
	    "dropped for being larger than the relay reads.",
	    M(peer_truncated) },
	{ "stund_turn_rate_limited_total", "counter", "Datagrams dropped "
	    "over their allocation's rate.", M(rate_limited) },
	{ "stund_turn_rendezvous_allocations", "gauge", "Allocations of "
	    "rendezvous credentials.", M(rdv_allocs) },
	{ "stund_turn_rendezvous_refused_total", "counter", "Allocates of "
	    "rendezvous credentials not from their member's source (403).",
	    M(rdv_refused) },
	{ "stund_turn_rendezvous_peer_refused_total", "counter", "Peers "
	    "refused to rendezvous credentials: not another member's "
	    "address.", M(rdv_peer_refused) },
	{ "stund_turn_rendezvous_rechecks_total", "counter", "Allocations "
	    "of rendezvous credentials checked again after the rooms "
	    "changed.", M(rdv_rechecks) },
	{ "stund_turn_rendezvous_ended_total", "counter", "Allocations "
	    "ended because their member left.", M(rdv_ended) },
	{ "stund_turn_source_quota_total", "counter", "Allocates refused "
	    "at source-quota (486).", M(quota_source) },
	{ "stund_turn_rendezvous_share_total", "counter", "Allocates of "
	    "rendezvous credentials refused at their share (508).",
	    M(quota_rdv) },
	{ "stund_turn_peer_packets_total", "counter", "Datagrams relayed "
	    "to peers.", M(pkts_to_peer) },
	{ "stund_turn_peer_bytes_total", "counter", "Payload bytes relayed "
	    "to peers.", M(bytes_to_peer) },
	{ "stund_turn_client_packets_total", "counter", "Datagrams relayed "
	    "from peers to clients.", M(pkts_to_client) },
	{ "stund_turn_client_bytes_total", "counter", "Payload bytes relayed "
	    "from peers to clients.", M(bytes_to_client) },
#undef M
};

/* HELP, TYPE and value of each field of the struct at base. */
static void
metrics_fields(struct evbuffer *b, const struct metrics_field *f, size_t n,
    const void *base)
{
	const unsigned char	*p = base;
	uint64_t		 v;
	size_t			 i;

	for (i = 0; i < n; i++) {
		memcpy(&v, p + f[i].off, sizeof(v));
		evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n",
		    f[i].name, f[i].help, f[i].name, f[i].type, f[i].name,
		    (unsigned long long)v);
	}
}

static void
metrics_rooms(struct stund *sd, struct evbuffer *b)
{
	struct rooms_metrics	 m;
	int			 on;

	on = rdvio_metrics(sd, &m) == 0;
	evbuffer_add_printf(b, "# HELP stund_rdv_enabled 1 when the "
	    "rendezvous extension is served.\n"
	    "# TYPE stund_rdv_enabled gauge\nstund_rdv_enabled %d\n", on);
	metrics_fields(b, metrics_rdv, sizeof(metrics_rdv) /
	    sizeof(metrics_rdv[0]), &m);
	evbuffer_add_printf(b, "# HELP stund_rdv_send_errors_total "
	    "Rendezvous datagrams that could not be sent.\n"
	    "# TYPE stund_rdv_send_errors_total counter\n"
	    "stund_rdv_send_errors_total %llu\n",
	    (unsigned long long)CNT_GET(&sd->rdv_send_errors));
}

static void
metrics_turn(struct stund *sd, struct evbuffer *b)
{
	struct relay_metrics	 m;
	int			 e, on;

	on = relayio_metrics(sd, &m) == 0;
	evbuffer_add_printf(b, "# HELP stund_turn_enabled 1 when TURN is "
	    "served.\n# TYPE stund_turn_enabled gauge\nstund_turn_enabled "
	    "%d\n", on);
	if (!on)
		return;
	metrics_fields(b, metrics_relay, sizeof(metrics_relay) /
	    sizeof(metrics_relay[0]), &m);
	evbuffer_add_printf(b, "# HELP stund_turn_errors_total TURN error "
	    "answers by code.\n# TYPE stund_turn_errors_total counter\n");
	for (e = 0; e < RELAY_NERR; e++)
		evbuffer_add_printf(b, "stund_turn_errors_total{code=\"%d\"} "
		    "%llu\n", relay_err_code(e),
		    (unsigned long long)m.errors[e]);
}

/* Every worker's counters and the TCP/TLS ones, added up. */
static void
metrics_sum(struct stund *sd, struct counters *t)
{
	const size_t	 n = sizeof(*t) / sizeof(uint64_t);
	unsigned	 w;

	memset(t, 0, sizeof(*t));
	for (w = 0; w < sd->nworkers; w++)
		counters_add((uint64_t *)t,
		    (const uint64_t *)&sd->workers[w].cnt, n);
	counters_add((uint64_t *)t, (const uint64_t *)&sd->tcp_cnt, n);
}

static void
metrics_table(struct evbuffer *b, const char *name, const char *help,
    uint64_t v[CNT_NMETH][4])
{
	int	 m, k;

	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s counter\n", name,
	    help, name);
	for (m = 0; m < CNT_NMETH; m++)
		for (k = 0; k < 4; k++)
			evbuffer_add_printf(b, "%s{method=\"%s\",class=\"%s\"} "
			    "%llu\n", name, metrics_meth_names[m],
			    metrics_cls_names[k], (unsigned long long)v[m][k]);
}

static void
metrics_cb(struct evhttp_request *req, void *arg)
{
	struct stund		*sd = arg;
	struct counters		 t;
	struct evbuffer		*b;
	const char		*path;
	int			 i;

	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET ||
	    path == NULL || strcmp(path, "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	if ((b = evbuffer_new()) == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	metrics_sum(sd, &t);
	metrics_table(b, "stund_messages_in_total",
	    "STUN messages received.", t.in_pkts);
	metrics_table(b, "stund_bytes_in_total",
	    "Bytes of STUN messages received.", t.in_bytes);
	metrics_table(b, "stund_messages_out_total",
	    "STUN messages sent.", t.out_pkts);
	metrics_table(b, "stund_bytes_out_total",
	    "Bytes of STUN messages sent.", t.out_bytes);
	evbuffer_add_printf(b, "# HELP stund_errors_out_total Error "
	    "responses sent, by code class.\n"
	    "# TYPE stund_errors_out_total counter\n");
	for (i = 3; i < 7; i++)
		evbuffer_add_printf(b, "stund_errors_out_total{code=\"%dxx\"} "
		    "%llu\n", i, (unsigned long long)t.err_codes[i]);
	evbuffer_add_printf(b, "# HELP stund_drops_total Packets dropped, "
	    "by reason.\n# TYPE stund_drops_total counter\n");
	for (i = 0; i < DROP_NDROPS; i++)
		evbuffer_add_printf(b, "stund_drops_total{reason=\"%s\"} "
		    "%llu\n", counters_drop_name(i),
		    (unsigned long long)t.drops[i]);
	evbuffer_add_printf(b, "# HELP stund_received_bytes_total Every "
	    "byte received, STUN or not.\n"
	    "# TYPE stund_received_bytes_total counter\n"
	    "stund_received_bytes_total %llu\n",
	    (unsigned long long)t.rx_bytes);
	evbuffer_add_printf(b, "# HELP stund_tcp_connections Open TCP and "
	    "TLS connections.\n# TYPE stund_tcp_connections gauge\n"
	    "stund_tcp_connections %u\n"
	    "# HELP stund_tcp_connections_total TCP and TLS connections "
	    "accepted.\n# TYPE stund_tcp_connections_total counter\n"
	    "stund_tcp_connections_total %llu\n", sd->nconns,
	    (unsigned long long)sd->conns_total);
	evbuffer_add_printf(b, "# HELP stund_rfc5780 1 when OTHER-ADDRESS "
	    "is advertised.\n# TYPE stund_rfc5780 gauge\n"
	    "stund_rfc5780 %d\n"
	    "# HELP stund_workers UDP worker threads.\n"
	    "# TYPE stund_workers gauge\nstund_workers %u\n",
	    sd->srv.two_addr, sd->nworkers);
	evbuffer_add_printf(b, "# HELP stund_log_suppressed_total Session "
	    "log lines held back by log-rate.\n"
	    "# TYPE stund_log_suppressed_total counter\n"
	    "stund_log_suppressed_total %llu\n",
	    (unsigned long long)log_ev_suppressed());
	metrics_rooms(sd, b);
	cluster_metrics(sd, b);
	metrics_turn(sd, b);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* Binds before privileges are dropped; prints where it listens. */
int
metrics_bind(struct stund *sd, char *err, size_t errlen)
{
	struct stun_addr	 a;
	char			 s[64];

	sd->metrics_fd = -1;
	if (!sd->conf->has_metrics)
		return (0);
	if ((sd->metrics_fd = sock_bind(&sd->conf->metrics, SOCK_STREAM,
	    0)) == -1 || sock_local(sd->metrics_fd, &a) == -1) {
		if (stun_addr_format(&sd->conf->metrics, s, sizeof(s)) != 0)
			snprintf(s, sizeof(s), "?");
		snprintf(err, errlen, "metrics: cannot bind %s: %s%s", s,
		    strerror(errno), errno == EADDRINUSE ? " (choose another "
		    "--metrics address:port, or stop what holds it)" : "");
		return (-1);
	}
	if (stun_addr_format(&a, s, sizeof(s)) != 0)
		snprintf(s, sizeof(s), "?");
	if (sd->conf->foreground)
		log_console("metrics on http://%s/metrics", s);
	else
		log_info("metrics on http://%s/metrics", s);
	return (0);
}

int
metrics_init(struct stund *sd, char *err, size_t errlen)
{
	if (sd->metrics_fd == -1)
		return (0);
	if ((sd->http = evhttp_new(sd->base)) == NULL ||
	    evhttp_accept_socket_with_handle(sd->http, sd->metrics_fd) ==
	    NULL) {
		snprintf(err, errlen, "metrics: cannot start the http server");
		return (-1);
	}
	sd->metrics_fd = -1;	/* evhttp owns it */
	evhttp_set_timeout(sd->http, 10);
	evhttp_set_max_headers_size(sd->http, 8192);
	evhttp_set_max_body_size(sd->http, 1024);
	evhttp_set_allowed_methods(sd->http, EVHTTP_REQ_GET);
	evhttp_set_gencb(sd->http, metrics_cb, sd);
	return (0);
}

void
metrics_free(struct stund *sd)
{
	if (sd->http != NULL)
		evhttp_free(sd->http);
	sd->http = NULL;
	if (sd->metrics_fd != -1)
		close(sd->metrics_fd);
	sd->metrics_fd = -1;
}
