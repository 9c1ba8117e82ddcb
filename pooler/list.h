/* list: intrusive circular doubly-linked lists. A connection's state is
 * its list membership (STYLE.md), so moving between lists must be O(1) and
 * allocation-free: the node lives inside the object. */
#ifndef CORRAL_POOLER_LIST_H
#define CORRAL_POOLER_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_node {
	struct list_node *prev, *next;
};

/* The object that embeds `node` as `member`. */
#define list_entry(node, type, member) ((type *)((char *)(node) - offsetof(type, member)))

static inline void list_init(struct list_node *head)
{
	head->prev = head->next = head;
}

static inline bool list_empty(const struct list_node *head)
{
	return head->next == head;
}

/* A node that was list_init'ed or removed is unlinked (points to itself). */
static inline bool list_linked(const struct list_node *node)
{
	return node->next != node;
}

static inline void list_insert_between(struct list_node *n, struct list_node *prev,
				       struct list_node *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

static inline void list_push_back(struct list_node *head, struct list_node *n)
{
	list_insert_between(n, head->prev, head);
}

static inline void list_push_front(struct list_node *head, struct list_node *n)
{
	list_insert_between(n, head, head->next);
}

/* Unlink n (from whatever list holds it) and leave it self-linked. */
static inline void list_remove(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

/* First node, or NULL when empty. */
static inline struct list_node *list_first(const struct list_node *head)
{
	return list_empty(head) ? NULL : head->next;
}

static inline struct list_node *list_pop_front(struct list_node *head)
{
	struct list_node *n = list_first(head);
	if (n)
		list_remove(n);
	return n;
}

/* Iterate safely against removal of the current node. */
#define list_for_each_safe(pos, tmp, head) \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); (pos) = (tmp), (tmp) = (pos)->next)

#endif
