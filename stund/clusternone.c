/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * stund built without hiredis (configure found no libhiredis-dev): there
 * is no fleet, and a --cluster or cluster keyword is refused at start
 * with a message saying so, rather than ignored.  The rest of stund never
 * sees a cluster (sd->cluster stays NULL).
 */
#include "config.h"

#include <sys/types.h>

#include <stddef.h>
#include <stdio.h>

#include "stund.h"
#include "cluster.h"

int
cluster_init(struct stund *sd, char *err, size_t errlen)
{
	if (sd->conf->cluster[0] == '\0')
		return (0);
	snprintf(err, errlen, "cluster: this stund was built without Redis "
	    "support (hiredis); install libhiredis-dev and run configure "
	    "again");
	return (-1);
}

void
cluster_free(struct stund *sd)
{
	(void)sd;
}

void
cluster_take(struct cluster *cl, const struct rooms_out *out)
{
	(void)cl;
	(void)out;
}

int
cluster_alternate(struct cluster *cl, uint8_t family, struct stun_addr *alt)
{
	(void)cl;
	(void)family;
	(void)alt;
	return (-1);
}

void
cluster_metrics(struct stund *sd, struct evbuffer *b)
{
	(void)sd;
	(void)b;
}
