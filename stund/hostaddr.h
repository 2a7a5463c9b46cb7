/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * The host's own addresses, which the relay's peer policy refuses.
 */
#ifndef STUND_HOSTADDR_H
#define STUND_HOSTADDR_H

#include "conf.h"

/*
 * Fill c->acl's own addresses: every interface address of this host,
 * the listening addresses and the relay address of c.  Logs what it
 * cannot do; the listening addresses are always there.
 */
void	hostaddr_load(struct conf *c);

#endif
