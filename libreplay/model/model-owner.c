/*
 * model/model-owner.c - the owner table (where each live owner's block is, so a free
 * by owner id and a migration find it) and the LRU lists of the reclaimable classes.
 * The kernel's LRU (active/inactive, MGLRU generations, referenced bits) is replaced
 * by one age-ordered list per class: allocation appends at the tail (newest), reclaim
 * takes the head (oldest), migration keeps the position.
 */
#include <errno.h>
#include <stdlib.h>
#include "model-local.h"

/* owner slots in 4 KiB of the table */
#define OWNER_PAGE_SLOTS	(4096 / sizeof(struct model_owner))

/* The table, grown to @n slots; the new ones are zero (no live owner). */
static int owners_resize(struct mmr_model *m, uint64_t n)
{
	struct model_owner *o = model_table_alloc(sizeof(*o) * n, false);

	if (!o)
		return -ENOMEM;
	if (m->nr_owner_slots)
		memcpy(o, m->owners, sizeof(*o) * m->nr_owner_slots);
	model_table_free(m->owners, sizeof(*o) * m->nr_owner_slots);
	m->owners = o;
	m->owners_touched = m->nr_owner_slots;
	m->nr_owner_slots = n;
	return 0;
}

/* slots written ahead at a time (see owners_touch()) */
#define OWNER_TOUCH_SLOTS	(64 * OWNER_PAGE_SLOTS)

/*
 * Every allocation reads its owner's slot before writing it. On a page of the table
 * not yet written that read maps the shared zero page, and the write then faults
 * again and flushes the TLB of every CPU running the model's process (a replay's
 * reader thread). So the pages are written once, ahead of the ids in use: the table
 * can be reserved large and costs memory only as far as the ids go.
 */
static void owners_touch(struct mmr_model *m, uint32_t owner)
{
	uint64_t end = (uint64_t)owner + 1;

	if (end < m->owners_touched + OWNER_TOUCH_SLOTS)
		end = m->owners_touched + OWNER_TOUCH_SLOTS;
	if (end > m->nr_owner_slots)
		end = m->nr_owner_slots;
	/* past owners_touched the table is as mmap() gave it: zero, never read */
	for (uint64_t i = m->owners_touched; i < end; i += OWNER_PAGE_SLOTS)
		*(volatile uint32_t *)&m->owners[i].loc = 0;
	m->owners_touched = end;
}

/* Makes room for @owner in the table (the table doubles) and writes its page. */
int model_owner_reserve(struct mmr_model *m, uint32_t owner)
{
	uint64_t n = m->nr_owner_slots ? m->nr_owner_slots : 1024;
	int err;

	if (owner < m->owners_touched)
		return 0;
	if (owner == ONIL)
		return -MMR_E_INVAL;
	if (owner >= m->nr_owner_slots) {
		while (n <= owner)
			n *= 2;
		if (n > (uint64_t)ONIL)
			n = ONIL;
		err = owners_resize(m, n);
		if (err)
			return err;
	}
	owners_touch(m, owner);
	return 0;
}

int mmr_model_reserve_owners(struct mmr_model *m, uint64_t n)
{
	if (n > ONIL)
		n = ONIL;
	if (n <= m->nr_owner_slots)
		return 0;
	return owners_resize(m, n);
}

void model_owner_set(struct mmr_model *m, uint32_t owner, struct model_zone *z, uint32_t idx)
{
	unsigned int zi = (unsigned int)(z - m->zones);

	m->owners[owner].loc = OWNER_LIVE | (zi << 28) | idx;
}

void model_owner_locate(const struct mmr_model *m, uint32_t owner, struct model_zone **z,
			uint32_t *idx)
{
	uint32_t loc = m->owners[owner].loc;

	*z = loc_zone(m, loc);
	*idx = loc & LINK_MASK;
}

void model_lru_add(struct mmr_model *m, uint32_t owner, unsigned int class, uint64_t pages)
{
	struct model_lru *l = &m->lru[class];
	struct model_owner *o = &m->owners[owner];

	o->prev = l->tail;
	o->next = ONIL;
	if (l->tail != ONIL)
		m->owners[l->tail].next = owner;
	else
		l->head = owner;
	l->tail = owner;
	l->nr_pages += pages;
}

void model_lru_del(struct mmr_model *m, uint32_t owner, unsigned int class, uint64_t pages)
{
	struct model_lru *l = &m->lru[class];
	struct model_owner *o = &m->owners[owner];

	if (o->prev != ONIL)
		m->owners[o->prev].next = o->next;
	else
		l->head = o->next;
	if (o->next != ONIL)
		m->owners[o->next].prev = o->prev;
	else
		l->tail = o->prev;
	o->prev = o->next = ONIL;
	l->nr_pages -= pages;
}

/* A scanned page that was "referenced": it goes back to the tail, as the newest. */
void model_lru_rotate(struct mmr_model *m, uint32_t owner, unsigned int class)
{
	struct model_lru *l = &m->lru[class];
	uint64_t pages = l->nr_pages;

	if (l->tail == owner)
		return;
	model_lru_del(m, owner, class, 0);
	model_lru_add(m, owner, class, 0);
	l->nr_pages = pages;
}
