/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The host's own addresses for the relay's peer policy: every address of
 * every interface (getifaddrs), stund's listeners, the relay address and
 * the public addresses of a 1:1 NAT in front (external-ip), read again
 * for each config snapshot (at start and on SIGHUP), so that no relayed
 * datagram reaches a service on this host.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <ifaddrs.h>

#include "common/log.h"
#include "common/sock.h"
#include "hostaddr.h"
#include "relay.h"

void
hostaddr_load(struct conf *c)
{
	struct ifaddrs		*ifa, *i;
	struct stun_addr	 a;

	c->acl.nself = 0;
	c->acl.self_over = 0;
	relaypol_self_add(&c->acl, &c->primary);
	if (c->has_alternate)
		relaypol_self_add(&c->acl, &c->alternate);
	if (c->has_primary6)
		relaypol_self_add(&c->acl, &c->primary6);
	if (c->has_alternate6)
		relaypol_self_add(&c->acl, &c->alternate6);
	if (c->has_relay_ip)
		relaypol_self_add(&c->acl, &c->relay_ip);
	/* Behind 1:1 NAT the public addresses lead here too. */
	if (c->ext.set)
		relaypol_self_add(&c->acl, &c->ext.pub);
	if (c->alt_ext.set)
		relaypol_self_add(&c->acl, &c->alt_ext.pub);
	if (getifaddrs(&ifa) == -1) {
		log_warn("getifaddrs: the relay refuses only the listening "
		    "addresses of this host");
		return;
	}
	for (i = ifa; i != NULL; i = i->ifa_next)
		if (i->ifa_addr != NULL && sock_to_stun(i->ifa_addr, &a) == 0)
			relaypol_self_add(&c->acl, &a);
	freeifaddrs(ifa);
	if (c->acl.self_over > 0)
		log_warnx("this host has more than %u addresses: %u are not "
		    "refused as relay peers; list them with deny-peer",
		    RELAY_SELF_MAX, c->acl.self_over);
}
