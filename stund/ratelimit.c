/*
 * Copyright (c) 2026 The stunkit developers. SPDX-License-Identifier: BSD-2-Clause
 *
 * Token buckets per source address in a fixed table (OpenNTPD's answer to
 * floods: bounded state, no allocation per packet).  Tokens are counted in
 * thousandths so that refill = elapsed ms * rate is exact.
 */
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

#define RL_WAYS		4
#define RL_KEYLEN	9	/* family + 8 address bytes */

struct rl_slot {
	uint8_t		key[RL_KEYLEN];
	uint8_t		used;
	uint64_t	last;		/* ms of the last refill */
	uint64_t	tokens;		/* thousandths of a packet */
};

struct ratelimit {
	struct rl_slot	*slots;
	size_t		 nsets;		/* power of two */
	uint64_t	 seed;
	unsigned	 rate;
	unsigned	 burst;
	uint64_t	 evictions;
};

struct ratelimit *
ratelimit_new(size_t slots, uint64_t seed)
{
	struct ratelimit	*rl;
	size_t			 n = RL_WAYS;

	while (n * 2 <= slots && n < ((size_t)1 << 26))
		n *= 2;
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return (NULL);
	if ((rl->slots = calloc(n, sizeof(*rl->slots))) == NULL) {
		free(rl);
		return (NULL);
	}
	rl->nsets = n / RL_WAYS;
	rl->seed = seed;
	rl->rate = 0;
	rl->burst = 1;
	return (rl);
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->slots);
	free(rl);
}

void
ratelimit_set(struct ratelimit *rl, unsigned rate, unsigned burst)
{
	rl->rate = rate;
	rl->burst = burst == 0 ? 1 : burst;
}

uint64_t
ratelimit_evictions(const struct ratelimit *rl)
{
	return (rl->evictions);
}

size_t
ratelimit_slots(const struct ratelimit *rl)
{
	return (rl->nsets * RL_WAYS);
}

/* IPv4: the address; IPv6: the /64 a host usually gets whole. */
static void
ratelimit_key(const struct stun_addr *a, uint8_t key[RL_KEYLEN])
{
	memset(key, 0, RL_KEYLEN);
	key[0] = a->family;
	if (a->family == STUN_AF_INET)
		memcpy(key + 1, a->ip, 4);
	else
		memcpy(key + 1, a->ip, 8);
}

/* A keyed mix (splitmix64 finaliser) so sources cannot aim at one set. */
static uint64_t
ratelimit_hash(uint64_t seed, const uint8_t key[RL_KEYLEN])
{
	uint64_t	 h = seed;
	size_t		 i;

	for (i = 0; i < RL_KEYLEN; i++) {
		h ^= key[i];
		h += 0x9e3779b97f4a7c15ULL;
		h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
		h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
		h ^= h >> 31;
	}
	return (h);
}

int
ratelimit_allow(struct ratelimit *rl, const struct stun_addr *a, uint64_t now)
{
	struct rl_slot	*set, *s = NULL, *victim;
	uint8_t		 key[RL_KEYLEN];
	uint64_t	 cap, add, elapsed;
	size_t		 i;

	if (rl->rate == 0)
		return (1);
	ratelimit_key(a, key);
	set = &rl->slots[(ratelimit_hash(rl->seed, key) & (rl->nsets - 1)) *
	    RL_WAYS];
	cap = (uint64_t)rl->burst * 1000;
	victim = &set[0];
	for (i = 0; i < RL_WAYS; i++) {
		if (set[i].used && memcmp(set[i].key, key, RL_KEYLEN) == 0) {
			s = &set[i];
			break;
		}
		if (!set[i].used)
			victim = &set[i];
		else if (victim->used && set[i].last < victim->last)
			victim = &set[i];
	}
	if (s == NULL) {
		if (victim->used)
			rl->evictions++;
		s = victim;
		memcpy(s->key, key, RL_KEYLEN);
		s->used = 1;
		s->last = now;
		s->tokens = cap;
	} else if (now > s->last) {
		elapsed = now - s->last;
		/* Cap elapsed so the product cannot overflow. */
		if (elapsed > 1000000)
			elapsed = 1000000;
		add = elapsed * rl->rate;
		s->tokens = (s->tokens + add > cap) ? cap : s->tokens + add;
		s->last = now;
	}
	if (s->tokens > cap)
		s->tokens = cap;
	if (s->tokens < 1000)
		return (0);
	s->tokens -= 1000;
	return (1);
}
