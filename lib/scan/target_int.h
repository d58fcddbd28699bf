/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_SCAN_TARGET_INT_H
#define PORTKIT_SCAN_TARGET_INT_H

/*
 * What a target list holds. A spec is kept as one entry, never expanded: an IPv4 spec is a
 * box (the addresses whose octet k lies in lo[k]..hi[k]: single addresses, CIDR blocks and
 * nmap's octet ranges alike), an IPv6 spec a range. Exclusions are cut out when the list is
 * finished: an IPv4 entry they touch becomes a small trie of octet runs (struct pk__tnode),
 * an IPv6 range splits into pieces. Memory follows the text, not the number of hosts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portkit/target.h"
#include "u128.h"

/* IPv4 addresses whose octet k is in lo[k]..hi[k], listed in numeric order. */
struct pk__box {
    uint8_t lo[4], hi[4];
};

/*
 * A run lo..hi of values of one octet, each followed by the same list of runs of the next
 * octet (child, nchild nodes in the arena; none after the last octet). cum counts the hosts
 * of its list up to and including this node.
 */
struct pk__tnode {
    uint64_t cum;
    uint32_t child;
    uint16_t nchild;
    uint8_t lo, hi;
};

struct pk__tentry {
    int family; /* AF_INET or AF_INET6 */
    int name;   /* index into names, or -1 */
    union {
        struct {
            struct pk__box box;
            uint32_t list, nlist; /* a trie after exclusions; nlist 0: the plain box */
        } v4;
        struct {
            struct pk__u128 lo, hi;
        } v6;
    } u;
};

struct pk_targets {
    struct pk__tentry *inc, *exc;
    size_t ninc, inccap, nexc, exccap;
    char **names;
    size_t nnames, namecap;
    struct pk__tnode *nodes; /* the arena of trie nodes */
    size_t nnodes, nodecap;
    uint64_t *cum; /* cum[i]: hosts in inc[0..i] */
    uint64_t count;
    bool finished;
};

#define PK__TARGET_ENTRIES_MAX (1u << 26) /* specs in one list */
#define PK__TARGET_NODES_MAX (1u << 22)   /* trie nodes exclusions may cut a list into */

/* Returns the hosts in box b. */
uint64_t pk__box_count(const struct pk__box *b);

/* Points *why (when not NULL) at msg. Returns err. */
int pk__target_fail(const char **why, const char *msg, int err);

#endif
