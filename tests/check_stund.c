/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Unit tests for stund's I/O-free parts: the config parser (file text,
 * command-line overrides, checks), the key file reader, and the
 * per-source rate limiter driven by a fake clock.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "stund/auth.h"
#include "stund/conf.h"
#include "stund/ratelimit.h"

Suite	*suite_ops(void);

static int
parse(struct conf *c, const char *text, char *err, size_t errlen)
{
	conf_init(c);
	return (conf_parse(c, text, strlen(text), "t.conf", err, errlen));
}

START_TEST(conf_parses_every_keyword)
{
	static const char text[] =
	    "# comment\n"
	    "primary 192.0.2.1\n"
	    "alternate\t192.0.2.2   # trailing comment\n"
	    "port 3480\n"
	    "alt-port 3490\n"
	    "tls-port 5350\n"
	    "cert /etc/c.pem\n"
	    "key /etc/k.pem\n"
	    "user nobody\n"
	    "metrics 127.0.0.1:9000\n"
	    "log-level debug\n"
	    "syslog yes\n"
	    "foreground\n"
	    "workers 4\n"
	    "software \"stund 1.0 test\"\n"
	    "tcp-idle 120\n"
	    "tcp-max 10\n"
	    "rate 5\n"
	    "burst 7\n"
	    "\n";
	struct conf	 c;
	char		 err[256];

	ck_assert_int_eq(parse(&c, text, err, sizeof(err)), 0);
	ck_assert_int_eq(conf_finish(&c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.primary.family, STUN_AF_INET);
	ck_assert_int_eq(c.primary.ip[3], 1);
	ck_assert_int_eq(c.has_alternate, 1);
	ck_assert_int_eq(c.alternate.ip[3], 2);
	ck_assert_uint_eq(c.port, 3480);
	ck_assert_uint_eq(c.alt_port, 3490);
	ck_assert_uint_eq(c.tls_port, 5350);
	ck_assert_int_eq(c.has_tls, 1);
	ck_assert_str_eq(c.cert, "/etc/c.pem");
	ck_assert_str_eq(c.key, "/etc/k.pem");
	ck_assert_str_eq(c.user, "nobody");
	ck_assert_int_eq(c.has_metrics, 1);
	ck_assert_uint_eq(c.metrics.port, 9000);
	ck_assert_int_eq(c.log_level, 3);
	ck_assert_int_eq(c.syslog, 1);
	ck_assert_int_eq(c.foreground, 1);
	ck_assert_uint_eq(c.workers, 4);
	ck_assert_str_eq(c.software, "stund 1.0 test");
	ck_assert_uint_eq(c.tcp_idle, 120);
	ck_assert_uint_eq(c.tcp_max, 10);
	ck_assert_uint_eq(c.rate, 5);
	ck_assert_uint_eq(c.burst, 7);
}
END_TEST

START_TEST(conf_defaults_with_only_primary)
{
	struct conf	 c;
	char		 err[256];

	ck_assert_int_eq(parse(&c, "primary ::1\n", err, sizeof(err)), 0);
	ck_assert_int_eq(conf_finish(&c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.primary.family, STUN_AF_INET6);
	ck_assert_uint_eq(c.port, 3478);
	ck_assert_uint_eq(c.alt_port, 3479);
	ck_assert_int_eq(c.has_alternate, 0);
	ck_assert_int_eq(c.has_tls, 0);
	ck_assert_int_eq(c.has_metrics, 0);
	ck_assert_uint_eq(c.tcp_idle, 300);
	ck_assert_str_eq(c.software, "");
	ck_assert_uint_eq(c.workers, 1);
}
END_TEST

START_TEST(conf_port_zero_gives_alt_port_zero)
{
	struct conf	 c;
	char		 err[256];

	ck_assert_int_eq(parse(&c, "primary 127.0.0.1\nport 0\n", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(conf_finish(&c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.port, 0);
	ck_assert_uint_eq(c.alt_port, 0);
}
END_TEST

/* Each bad file fails with "t.conf:LINE:". */
static const struct {
	const char	*text;
	const char	*where;
} bad_files[] = {
	{ "primary 192.0.2.1\nbogus 1\n", "t.conf:2:" },
	{ "primary 300.1.1.1\n", "t.conf:1:" },
	{ "primary\n", "t.conf:1:" },
	{ "primary 192.0.2.1\nport 65536\n", "t.conf:2:" },
	{ "primary 192.0.2.1\nport -1\n", "t.conf:2:" },
	{ "primary 192.0.2.1\nworkers 0\n", "t.conf:2:" },
	{ "primary 192.0.2.1\nlog-level loud\n", "t.conf:2:" },
	{ "primary 192.0.2.1\nsoftware \"open\n", "t.conf:2:" },
	{ "primary 192.0.2.1 extra\n", "t.conf:1:" },
	{ "primary 192.0.2.1\nsyslog maybe\n", "t.conf:2:" },
	{ "\n\nmetrics 1.2.3.4\n", "t.conf:3:" },
	{ "metrics ::1:80\n", "t.conf:1:" },
};

START_TEST(conf_bad_lines_name_file_and_line)
{
	struct conf	 c;
	char		 err[256];

	ck_assert_int_eq(parse(&c, bad_files[_i].text, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, bad_files[_i].where,
	    strlen(bad_files[_i].where)) == 0, "got '%s'", err);
}
END_TEST

START_TEST(conf_overlong_line_and_nul_are_refused)
{
	struct conf	 c;
	char		 err[256], *big;

	big = malloc(CONF_LINE_MAX + 16);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', CONF_LINE_MAX + 8);
	big[CONF_LINE_MAX + 8] = '\0';
	ck_assert_int_eq(parse(&c, big, err, sizeof(err)), -1);
	free(big);
	conf_init(&c);
	ck_assert_int_eq(conf_parse(&c, "port 1\0\n", 8, "t.conf", err,
	    sizeof(err)), -1);
}
END_TEST

START_TEST(conf_finish_checks_consistency)
{
	struct conf	 c;
	char		 err[256];

	conf_init(&c);
	ck_assert_int_eq(conf_finish(&c, err, sizeof(err)), -1);
	ck_assert(strstr(err, "primary") != NULL);

	ck_assert_int_eq(parse(&c, "primary 127.0.0.1\nalternate ::1\n", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(conf_finish(&c, err, sizeof(err)), -1);

	ck_assert_int_eq(parse(&c, "primary 127.0.0.1\nalternate 127.0.0.1\n",
	    err, sizeof(err)), 0);
	ck_assert_int_eq(conf_finish(&c, err, sizeof(err)), -1);

	ck_assert_int_eq(parse(&c, "primary 127.0.0.1\ntls-port 5349\n", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(conf_finish(&c, err, sizeof(err)), -1);

	ck_assert_int_eq(parse(&c, "primary 127.0.0.1\ncert /c\nkey /k\n", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(conf_finish(&c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.has_tls, 1);
	ck_assert_uint_eq(c.tls_port, 5349);
}
END_TEST

START_TEST(conf_command_line_overrides_file)
{
	struct conf	 file, cli;
	char		 err[256];

	ck_assert_int_eq(parse(&file, "primary 192.0.2.1\nport 4000\n"
	    "rate 9\nsoftware a\n", err, sizeof(err)), 0);
	conf_init(&cli);
	ck_assert_int_eq(conf_set(&cli, "port", "5000", err, sizeof(err)), 0);
	ck_assert_int_eq(conf_set(&cli, "alternate", "192.0.2.2", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(conf_set(&cli, "foreground", NULL, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(conf_set(&cli, "nope", "1", err, sizeof(err)), -1);
	conf_merge(&file, &cli);
	ck_assert_int_eq(conf_finish(&file, err, sizeof(err)), 0);
	ck_assert_uint_eq(file.port, 5000);
	ck_assert_uint_eq(file.alt_port, 5001);
	ck_assert_int_eq(file.has_alternate, 1);
	ck_assert_int_eq(file.foreground, 1);
	ck_assert_uint_eq(file.rate, 9);		/* not overridden */
	ck_assert_str_eq(file.software, "a");
	ck_assert_int_eq(file.primary.ip[3], 1);
}
END_TEST

START_TEST(conf_restart_needed_only_for_sockets)
{
	struct conf	 a, b;
	char		 err[256];

	ck_assert_int_eq(parse(&a, "primary 192.0.2.1\nrate 1\n", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(conf_finish(&a, err, sizeof(err)), 0);
	ck_assert_int_eq(parse(&b, "primary 192.0.2.1\nrate 50\n"
	    "software x\nlog-level debug\n", err, sizeof(err)), 0);
	ck_assert_int_eq(conf_finish(&b, err, sizeof(err)), 0);
	ck_assert_int_eq(conf_needs_restart(&a, &b), 0);
	ck_assert_int_eq(parse(&b, "primary 192.0.2.1\nport 1\n", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(conf_finish(&b, err, sizeof(err)), 0);
	ck_assert_int_eq(conf_needs_restart(&a, &b), 1);
}
END_TEST

/* Each row is complete, and its default parses with its own setter. */
START_TEST(conftab_rows_are_complete_and_defaults_parse)
{
	const struct conf_opt	*o, *q;
	struct conf		 c;
	char			 err[256];

	for (o = conftab; o->name != NULL; o++) {
		ck_assert_msg(o->help != NULL && o->help[0] != '\0', "%s",
		    o->name);
		ck_assert_msg((o->arg == NULL) == (o->type == CONF_T_BOOL),
		    "%s: only yes/no options go without an argument", o->name);
		ck_assert_msg(o->restart == NULL || o->restart[0] != '\0',
		    "%s", o->name);
		ck_assert_msg(o->type != CONF_T_UINT || o->min <= o->max, "%s",
		    o->name);
		ck_assert_msg(o->type != CONF_T_STR || o->size > 1, "%s",
		    o->name);
		ck_assert_ptr_eq(conf_find(o->name), o);
		for (q = conftab; q < o; q++)
			ck_assert_str_ne(q->name, o->name);
		if (o->dflt == NULL)
			continue;
		memset(&c, 0, sizeof(c));
		ck_assert_msg(conf_set(&c, o->name, o->dflt, err,
		    sizeof(err)) == 0, "%s: default: %s", o->name, err);
	}
	ck_assert_uint_le((size_t)(o - conftab), CONF_MAX_OPTS);
	ck_assert_ptr_null(conf_find("nope"));
}
END_TEST

/* The table's defaults, and conf_init() marks none of them as given. */
START_TEST(conf_init_takes_the_table_defaults)
{
	struct conf	 c, cli;
	char		 err[256];

	conf_init(&c);
	ck_assert_uint_eq(c.port, 3478);
	ck_assert_int_eq(c.log_level, 2);
	ck_assert_uint_eq(c.workers, 1);
	ck_assert_uint_eq(c.tcp_idle, 300);
	ck_assert_uint_eq(c.tcp_max, 1024);
	ck_assert_uint_eq(c.rate, 100);
	ck_assert_uint_eq(c.burst, 200);
	ck_assert_uint_eq(c.table, 65536);
	ck_assert_uint_eq(c.udp_buffer, 4194304);
	ck_assert_int_eq(c.rendezvous, 1);
	ck_assert_uint_eq(c.room_max, 1024);
	ck_assert_uint_eq(c.room_members, 8);
	ck_assert_uint_eq(c.member_max, 4096);
	ck_assert_uint_eq(c.keepalive, 10);
	ck_assert_uint_eq(c.member_timeout, 30);
	ck_assert_uint_eq(c.register_rate, 60);
	ck_assert_uint_eq(c.register_burst, 10);
	ck_assert_uint_eq(c.room_prefix_max, 64);
	ck_assert_uint_eq(c.member_prefix_max, 64);
	ck_assert_str_eq(c.rdv_secret_file, "");
	ck_assert_int_eq(c.rdv_relay, 1);
	ck_assert_uint_eq(c.rdv_relay_life, 3600);
	ck_assert_int_eq(c.turn, 1);
	ck_assert_str_eq(c.realm, "stunkit");
	ck_assert_uint_eq(c.relay_ports.lo, 49152);
	ck_assert_uint_eq(c.relay_ports.hi, 65535);
	ck_assert_uint_eq(c.max_allocations, 1024);
	ck_assert_uint_eq(c.user_quota, 64);
	ck_assert_uint_eq(c.source_quota, 64);
	ck_assert_uint_eq(c.rdv_relay_share, 75);
	ck_assert(c.max_alloc_rate == 0);
	ck_assert(c.rdv_relay_rate == 65536);
	ck_assert(c.rdv_relay_bytes == 64 * 1024 * 1024);
	ck_assert_int_eq(c.foreground, 0);
	ck_assert_int_eq(c.has_tls, 0);
	ck_assert_uint_eq(c.set[0] | c.set[1], 0);

	/* Merging untouched defaults overrides nothing. */
	ck_assert_int_eq(parse(&c, "primary 192.0.2.1\nport 4000\nturn no\n",
	    err, sizeof(err)), 0);
	conf_init(&cli);
	conf_merge(&c, &cli);
	ck_assert_uint_eq(c.port, 4000);
	ck_assert_int_eq(c.turn, 0);
}
END_TEST

/* SIGHUP's policy: restart options keep their running values. */
START_TEST(conf_keep_fixed_keeps_only_restart_options)
{
	const struct conf_opt	*o;
	struct conf		 a, b;
	char			 err[256];
	size_t			 i = 0;

	ck_assert_int_eq(parse(&a, "primary 192.0.2.1\nrate 1\n", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(conf_finish(&a, err, sizeof(err)), 0);
	ck_assert_int_eq(parse(&b, "primary 192.0.2.1\nalternate 192.0.2.2\n"
	    "port 4000\nrelay-ports 40000-40100\nrate 50\nsoftware x\n", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(conf_finish(&b, err, sizeof(err)), 0);

	ck_assert_ptr_nonnull(o = conf_restart_next(&a, &b, &i));
	ck_assert_str_eq(o->name, "alternate");
	ck_assert_ptr_nonnull(o = conf_restart_next(&a, &b, &i));
	ck_assert_str_eq(o->name, "port");
	ck_assert_ptr_nonnull(o = conf_restart_next(&a, &b, &i));
	ck_assert_str_eq(o->name, "alt-port");
	ck_assert_ptr_nonnull(o = conf_restart_next(&a, &b, &i));
	ck_assert_str_eq(o->name, "relay-ports");
	ck_assert_ptr_null(conf_restart_next(&a, &b, &i));
	ck_assert_ptr_null(conf_restart_next(&a, &b, &i));

	conf_keep_fixed(&b, &a);
	ck_assert_int_eq(b.has_alternate, 0);
	ck_assert_uint_eq(b.port, 3478);
	ck_assert_uint_eq(b.alt_port, 3479);
	ck_assert_uint_eq(b.relay_ports.lo, 49152);
	ck_assert_uint_eq(b.rate, 50);
	ck_assert_str_eq(b.software, "x");
	ck_assert_int_eq(conf_needs_restart(&a, &b), 0);
}
END_TEST

/*
 * The rendezvous caps and secret: bounds; the caps apply live, the
 * secret takes a restart.
 */
START_TEST(conf_rendezvous_v2_options)
{
	const struct conf_opt	*o;
	struct conf		 a, b;
	char			 err[256];
	size_t			 i = 0;

	ck_assert_int_eq(parse(&a, "primary 192.0.2.1\n", err, sizeof(err)),
	    0);
	ck_assert_int_eq(conf_finish(&a, err, sizeof(err)), 0);
	ck_assert_int_eq(parse(&b, "primary 192.0.2.1\nroom-prefix-max 5\n"
	    "member-prefix-max 1000000\nrendezvous-secret-file /k\n", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(conf_finish(&b, err, sizeof(err)), 0);
	ck_assert_uint_eq(b.room_prefix_max, 5);
	ck_assert_uint_eq(b.member_prefix_max, 1000000);
	ck_assert_str_eq(b.rdv_secret_file, "/k");

	/* The caps apply on SIGHUP; the secret needs a restart. */
	ck_assert_ptr_nonnull(o = conf_restart_next(&a, &b, &i));
	ck_assert_str_eq(o->name, "rendezvous-secret-file");
	ck_assert_ptr_null(conf_restart_next(&a, &b, &i));

	ck_assert_int_eq(parse(&b, "room-prefix-max 0\n", err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "t.conf:1:") != NULL, "got '%s'", err);
	ck_assert_int_eq(parse(&b, "member-prefix-max 1000001\n", err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "t.conf:1:") != NULL, "got '%s'", err);
}
END_TEST

static void
write_file(const char *path, const char *text)
{
	FILE	*f;

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

/* A key file: exactly 2n hex digits, either case, then white space. */
START_TEST(auth_read_key_takes_hex_only)
{
	static const char *bad[] = {
		"",
		"00112233445566778899aabbccddeeff"
		    "00112233445566778899aabbccddee\n",	/* 62 digits */
		"00112233445566778899aabbccddeeff"
		    "00112233445566778899aabbccddeeff00\n",	/* 66 */
		"00112233445566778899aabbccddeeff"
		    "00112233445566778899aabbccddeefg\n",	/* not hex */
		" 00112233445566778899aabbccddeeff"
		    "00112233445566778899aabbccddeeff\n",	/* leading */
	};
	char		 path[] = "/tmp/check_stund.XXXXXX", err[256];
	uint8_t		 key[32];
	size_t		 i, j;
	int		 fd;

	ck_assert_int_ne(fd = mkstemp(path), -1);
	ck_assert_int_eq(close(fd), 0);
	write_file(path, "00112233445566778899AABBCCDDEEFF"
	    "0123456789abcdef0123456789ABCDEF \r\n\n");
	ck_assert_int_eq(auth_read_key(path, key, sizeof(key), err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(key[0], 0x00);
	ck_assert_uint_eq(key[10], 0xaa);
	ck_assert_uint_eq(key[15], 0xff);
	ck_assert_uint_eq(key[16], 0x01);
	ck_assert_uint_eq(key[31], 0xef);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(path, bad[i]);
		memset(key, 0x55, sizeof(key));
		ck_assert_int_eq(auth_read_key(path, key, sizeof(key), err,
		    sizeof(err)), -1);
		ck_assert_msg(strncmp(err, path, strlen(path)) == 0 &&
		    strstr(err, "64 hex digits") != NULL, "%zu: got '%s'", i,
		    err);
		for (j = 0; j < sizeof(key); j++)
			ck_assert_msg(key[j] == 0, "%zu: key[%zu] kept", i, j);
	}
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(auth_read_key(path, key, sizeof(key), err,
	    sizeof(err)), -1);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "got '%s'", err);
}
END_TEST

START_TEST(conf_hostport_forms)
{
	struct stun_addr	 a;

	ck_assert_int_eq(conf_parse_hostport("9100", &a), 0);
	ck_assert_int_eq(a.family, STUN_AF_INET);
	ck_assert_int_eq(a.ip[0], 127);
	ck_assert_uint_eq(a.port, 9100);
	ck_assert_int_eq(conf_parse_hostport("[::1]:80", &a), 0);
	ck_assert_int_eq(a.family, STUN_AF_INET6);
	ck_assert_int_eq(a.ip[15], 1);
	ck_assert_uint_eq(a.port, 80);
	ck_assert_int_eq(conf_parse_hostport("10.0.0.1:", &a), -1);
	ck_assert_int_eq(conf_parse_hostport(":80", &a), -1);
	ck_assert_int_eq(conf_parse_ip("[2001:db8::1]", &a), 0);
	ck_assert_int_eq(conf_parse_ip("example.org", &a), -1);
}
END_TEST

/* The one file reader: whole files, across its growth, and the bound. */
START_TEST(conf_read_file_reads_whole_and_bounds_size)
{
	char		 path[] = "/tmp/check_stund.XXXXXX", err[256], *text;
	size_t		 len, i, big = 200000;
	FILE		*f;
	int		 fd;

	ck_assert_int_ne(fd = mkstemp(path), -1);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	for (i = 0; i < big; i++)
		ck_assert_int_ne(fputc('a' + (int)(i % 26), f), EOF);
	ck_assert_int_eq(fclose(f), 0);

	ck_assert_int_eq(conf_read_file(path, big, &text, &len, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(len, big);
	for (i = 0; i < big; i++)
		if (text[i] != 'a' + (int)(i % 26))
			break;
	ck_assert_uint_eq(i, big);
	free(text);

	ck_assert_int_eq(conf_read_file(path, big - 1, &text, &len, err,
	    sizeof(err)), -1);
	ck_assert_ptr_null(text);
	ck_assert_msg(strstr(err, "file too large") != NULL, "got '%s'", err);
	ck_assert_int_eq(unlink(path), 0);

	ck_assert_int_eq(conf_read_file(path, big, &text, &len, err,
	    sizeof(err)), -1);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "got '%s'", err);
}
END_TEST

static struct stun_addr
v4(uint8_t last)
{
	struct stun_addr	 a;

	memset(&a, 0, sizeof(a));
	a.family = STUN_AF_INET;
	a.ip[0] = 198;
	a.ip[1] = 51;
	a.ip[2] = 100;
	a.ip[3] = last;
	a.port = 1000;
	return (a);
}

START_TEST(ratelimit_burst_then_rate)
{
	struct ratelimit	*rl;
	struct stun_addr	 a = v4(1);
	int			 i, ok = 0;

	rl = ratelimit_new(1024, 42);
	ck_assert_ptr_nonnull(rl);
	ratelimit_set(rl, 10, 5);
	for (i = 0; i < 20; i++)
		ok += ratelimit_allow(rl, &a, 1000);
	ck_assert_int_eq(ok, 5);
	/* 10 per second: one more token after 100 ms, not before. */
	ck_assert_int_eq(ratelimit_allow(rl, &a, 1099), 0);
	ck_assert_int_eq(ratelimit_allow(rl, &a, 1100), 1);
	ck_assert_int_eq(ratelimit_allow(rl, &a, 1100), 0);
	/* A long pause refills to the burst only. */
	ok = 0;
	for (i = 0; i < 20; i++)
		ok += ratelimit_allow(rl, &a, 100000);
	ck_assert_int_eq(ok, 5);
	ratelimit_free(rl);
}
END_TEST

START_TEST(ratelimit_flood_does_not_starve_others)
{
	struct ratelimit	*rl;
	struct stun_addr	 flood = v4(1), other = v4(2);
	uint64_t		 t;
	int			 passed = 0, other_ok = 0;

	rl = ratelimit_new(1024, 7);
	ratelimit_set(rl, 100, 200);
	/* 10 s at 10000 pps from one source, 10 pps from another. */
	for (t = 0; t < 10000; t++) {
		int	 k;

		for (k = 0; k < 10; k++)
			passed += ratelimit_allow(rl, &flood, t);
		if (t % 100 == 0)
			other_ok += ratelimit_allow(rl, &other, t);
	}
	ck_assert_int_le(passed, 200 + 100 * 10 + 1);
	ck_assert_int_ge(passed, 100 * 10);
	ck_assert_int_eq(other_ok, 100);
	ratelimit_free(rl);
}
END_TEST

START_TEST(ratelimit_table_is_bounded)
{
	struct ratelimit	*rl;
	struct stun_addr	 a = v4(0);
	uint32_t		 i, passed = 0;

	rl = ratelimit_new(64, 1);
	ck_assert_uint_eq(ratelimit_slots(rl), 64);
	ratelimit_set(rl, 1, 1);
	for (i = 0; i < 20000; i++) {
		a.ip[0] = (uint8_t)(i >> 16);
		a.ip[1] = (uint8_t)(i >> 8);
		a.ip[2] = (uint8_t)i;
		/* A new source always gets its first packet through. */
		passed += (uint32_t)ratelimit_allow(rl, &a, i);
	}
	ck_assert_uint_eq(passed, 20000);
	ck_assert_uint_ge(ratelimit_evictions(rl), 20000 - 64);
	ratelimit_free(rl);
}
END_TEST

START_TEST(ratelimit_zero_rate_is_unlimited)
{
	struct ratelimit	*rl;
	struct stun_addr	 a = v4(3);
	int			 i;

	rl = ratelimit_new(16, 1);
	ratelimit_set(rl, 0, 1);
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(ratelimit_allow(rl, &a, 5), 1);
	ratelimit_free(rl);
}
END_TEST

START_TEST(ratelimit_ipv6_keys_by_prefix)
{
	struct ratelimit	*rl;
	struct stun_addr	 a, b;

	memset(&a, 0, sizeof(a));
	a.family = STUN_AF_INET6;
	a.ip[0] = 0x20;
	a.ip[1] = 0x01;
	a.ip[15] = 1;
	b = a;
	b.ip[15] = 2;		/* same /64 */
	rl = ratelimit_new(64, 3);
	ratelimit_set(rl, 1, 1);
	ck_assert_int_eq(ratelimit_allow(rl, &a, 0), 1);
	ck_assert_int_eq(ratelimit_allow(rl, &b, 0), 0);
	b.ip[7] = 1;		/* another /64 */
	ck_assert_int_eq(ratelimit_allow(rl, &b, 0), 1);
	ratelimit_free(rl);
}
END_TEST

static Suite *
stund_suite(void)
{
	Suite	*s = suite_create("stund");
	TCase	*tc;

	tc = tcase_create("conf");
	tcase_add_test(tc, conf_parses_every_keyword);
	tcase_add_test(tc, conf_defaults_with_only_primary);
	tcase_add_test(tc, conf_port_zero_gives_alt_port_zero);
	tcase_add_loop_test(tc, conf_bad_lines_name_file_and_line, 0,
	    (int)(sizeof(bad_files) / sizeof(bad_files[0])));
	tcase_add_test(tc, conf_overlong_line_and_nul_are_refused);
	tcase_add_test(tc, conf_finish_checks_consistency);
	tcase_add_test(tc, conf_command_line_overrides_file);
	tcase_add_test(tc, conf_restart_needed_only_for_sockets);
	tcase_add_test(tc, conf_hostport_forms);
	tcase_add_test(tc, conftab_rows_are_complete_and_defaults_parse);
	tcase_add_test(tc, conf_init_takes_the_table_defaults);
	tcase_add_test(tc, conf_keep_fixed_keeps_only_restart_options);
	tcase_add_test(tc, conf_read_file_reads_whole_and_bounds_size);
	tcase_add_test(tc, conf_rendezvous_v2_options);
	tcase_add_test(tc, auth_read_key_takes_hex_only);
	suite_add_tcase(s, tc);

	tc = tcase_create("ratelimit");
	tcase_add_test(tc, ratelimit_burst_then_rate);
	tcase_add_test(tc, ratelimit_flood_does_not_starve_others);
	tcase_add_test(tc, ratelimit_table_is_bounded);
	tcase_add_test(tc, ratelimit_zero_rate_is_unlimited);
	tcase_add_test(tc, ratelimit_ipv6_keys_by_prefix);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(stund_suite());
	srunner_add_suite(sr, suite_ops());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
