/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_REGISTRY_H
#define PORTKIT_REGISTRY_H

/*
 * The port registry: every IANA assignment of every port and transport protocol, the ranges
 * IANA assigns as a block, service names without a port (DNS-SD), and the project's own notes
 * on unofficial uses and history.
 *
 * The embedded snapshot (pk_registry_builtin()) is compiled into the library: looking
 * something up reads no file and allocates nothing. All strings handed out point into the
 * registry and live as long as it does. No function here prints, exits or keeps state between
 * calls; every function is safe to call from several threads at once.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "portkit/common.h"

PK_BEGIN_DECLS

#define PK_PORT_MAX 65535

/* Transport protocols, as bits so that a set of them fits one value. */
enum pk_proto {
    PK_TCP = 1u << 0,
    PK_UDP = 1u << 1,
    PK_SCTP = 1u << 2,
    PK_DCCP = 1u << 3,
};
#define PK_PROTO_ALL (PK_TCP | PK_UDP | PK_SCTP | PK_DCCP)
#define PK_NPROTO 4

/* Registration status of one (port, protocol) pair. A pair with no record is unassigned. */
enum pk_status {
    PK_UNASSIGNED = 0,
    PK_RESERVED = 1,
    PK_ASSIGNED = 2,
};

/* IANA's three ranges: system 0-1023, user 1024-49151, dynamic 49152-65535. */
enum pk_range_class {
    PK_RANGE_SYSTEM = 0,
    PK_RANGE_USER = 1,
    PK_RANGE_DYNAMIC = 2,
};

/* Kinds of entries in the project's notes file. */
enum pk_note_kind {
    PK_NOTE_UNOFFICIAL = 0,
    PK_NOTE_HISTORICAL = 1,
    PK_NOTE_ABUSE = 2,
};

/* Record flags. */
#define PK_REC_NOPORT 0x01u /* a service name with no port (DNS-SD); port_lo/port_hi are 0 */
#define PK_REC_RANGE 0x02u  /* the record covers port_lo..port_hi as one assignment */

/*
 * One IANA record: the 12 columns of the registry. Text fields are never NULL; an empty
 * string means IANA left the column empty. proto is one pk_proto bit, or 0 when the record
 * names no protocol (service names without a port).
 */
struct pk_record {
    uint32_t id; /* index of the record in its registry, 0..pk_registry_count()-1 */
    const char *service;
    uint16_t port_lo;
    uint16_t port_hi;
    unsigned proto;
    enum pk_status status; /* what this record says: assigned, reserved or unassigned */
    unsigned flags;
    const char *description;
    const char *assignee;
    const char *contact;
    const char *registered; /* registration date, as IANA wrote it (YYYY-MM-DD or shorter) */
    const char *modified;
    const char *reference;
    const char *service_code;
    const char *unauthorized; /* unauthorized use reported */
    const char *notes;        /* assignment notes */
    /* When the columns after the description (assignee, contact, dates, reference, service
     * code, unauthorized use, notes) are older than the name and description: the date of
     * that data ("2015-07" for the 2015 package the snapshot takes them from); "" when every
     * column is as current as the registry. */
    const char *as_of;
};

/* One entry of the project's notes: an unofficial use, a piece of history, an abuse report. */
struct pk_note {
    uint32_t id;
    uint16_t port_lo;
    uint16_t port_hi;
    unsigned protos; /* set of pk_proto bits */
    enum pk_note_kind kind;
    const char *text;
    /* What backs it: a kind (rfc, iana, vendor, advisory, literature), ":" and a reference
     * when there is one ("rfc:7194", "advisory:CVE-2024-47176"). */
    const char *source;
};

struct pk_registry;

/* Returns the snapshot compiled into the library. Never NULL. */
PK_API const struct pk_registry *pk_registry_builtin(void);

/* What a registry is and where it came from. */
struct pk_registry_info {
    unsigned format;    /* image format version; 0 for the built-in tables */
    bool builtin;       /* the snapshot compiled into the library */
    const char *source; /* where the data came from: packages, a URL or a path */
    const char *date;   /* IANA's date of the data (YYYY-MM-DD), or "" when unknown */
    const char *built;  /* when the image was made (YYYY-MM-DDTHH:MM:SSZ), or "" */
    size_t records;
    size_t notes;
};

/* Fills *out with what reg says of itself. */
PK_API void pk_registry_info(const struct pk_registry *reg, struct pk_registry_info *out);

/*
 * Opens the registry image of len bytes at data (8-byte aligned; it must outlive the
 * registry), after checking its checksum and every bound: nothing in it is trusted before.
 * Returns 0 and *out (close it with pk_registry_close()), PK_ENOMEM, or PK_EBADMSG with *why
 * (when not NULL) pointing at a short static phrase naming what is wrong.
 */
PK_API int pk_registry_from_image(const void *data, size_t len, const struct pk_registry **out,
                                  const char **why);

/*
 * Opens the registry image file at path, mapped read-only, checked as
 * pk_registry_from_image() does. Returns 0 and *out, -errno when the file can't be read, or
 * PK_EBADMSG with *why. The file is replaced, never rewritten, by whoever updates it (a
 * rename), so the mapping stays valid.
 */
PK_API int pk_registry_open(const char *path, const struct pk_registry **out, const char **why);

/* Unmaps and frees a registry from pk_registry_open() or pk_registry_from_image(). NULL and
 * the built-in registry are ignored. */
PK_API void pk_registry_close(const struct pk_registry *reg);

/*
 * The local registry database: a registry image, written by portkit update, named
 * PK_DB_FILE in the database directory: $PORTKIT_DATA_DIR when set, else /var/lib/portkit for
 * root (or with PK_DB_SYSTEM), else $XDG_DATA_HOME/portkit (~/.local/share/portkit). The
 * environment is read with secure_getenv().
 */
#define PK_DB_FILE "registry.img"
#define PK_DB_SYSTEM 0x1u /* the system's database, whoever asks */

/* Writes the database directory, and the database's path, into buf. Returns 0, PK_ENOENT
 * when there is no home to put it in, or PK_EMSGSIZE when it does not fit. */
PK_API int pk_registry_db_dir(unsigned flags, char *buf, size_t cap);
PK_API int pk_registry_db_path(unsigned flags, char *buf, size_t cap);

/*
 * Opens the local database as pk_registry_open() does; an ordinary user who has none reads
 * the system's. Returns 0 and *out, -ENOENT when there is none (use the built-in registry),
 * PK_EBADMSG with *why for a damaged one (never to be used), or another -errno.
 */
PK_API int pk_registry_open_db(unsigned flags, const struct pk_registry **out, const char **why);

/* Returns the number of records, and of notes, in reg. */
PK_API size_t pk_registry_count(const struct pk_registry *reg);
PK_API size_t pk_registry_note_count(const struct pk_registry *reg);

/* Fills *out with record id. Returns 0, or PK_ENOENT when id is past the end. */
PK_API int pk_record_get(const struct pk_registry *reg, uint32_t id, struct pk_record *out);

/* Fills *out with note id. Returns 0, or PK_ENOENT when id is past the end. */
PK_API int pk_note_get(const struct pk_registry *reg, uint32_t id, struct pk_note *out);

/*
 * A cursor over a list of record ids. Set up by pk_lookup() or pk_name_lookup(); read with
 * pk_cursor_next(). It holds no resources: drop it when done.
 */
struct pk_cursor {
    const struct pk_registry *reg;
    const uint32_t *ids;
    size_t n;
    size_t pos;
};

/*
 * Finds every record that covers port for protocol proto (one pk_proto bit), including
 * range records such as x11 6000-6063, in registry order (assignments before reserved and
 * unassigned blocks). Returns the number of records (0 when none), or PK_EINVAL when proto
 * is not a single protocol or port is over PK_PORT_MAX.
 */
PK_API int pk_lookup(const struct pk_registry *reg, unsigned port, unsigned proto,
                     struct pk_cursor *c);

/* Fills *out with the next record of c. Returns false at the end. */
PK_API bool pk_cursor_next(struct pk_cursor *c, struct pk_record *out);

/* Returns the status of (port, proto): assigned if any record assigns it, else reserved if
 * any record reserves it, else unassigned. proto must be one pk_proto bit. */
PK_API enum pk_status pk_status_of(const struct pk_registry *reg, unsigned port, unsigned proto);

/* Returns the first service name that assigns (port, proto), proto one pk_proto bit: the name
 * a scanner or socket list shows for a port ("ssh" for 22/tcp). NULL when nothing assigns
 * the pair or the assignment has no name. */
PK_API const char *pk_service_name(const struct pk_registry *reg, unsigned port, unsigned proto);

/*
 * Finds every record whose service name equals name, ignoring ASCII case, on any port and
 * protocol, including names without a port. Returns the number found (0 when none).
 */
PK_API int pk_name_lookup(const struct pk_registry *reg, const char *name, struct pk_cursor *c);

/*
 * Calls fn for every note that touches a port in lo..hi and a protocol in protos: for one port
 * (lo == hi) narrowest range first (then by first port), as the port page shows them; for a
 * range in order of first port. Stops early and returns fn's value when fn returns non-zero;
 * returns 0 otherwise.
 */
PK_API int pk_notes_for(const struct pk_registry *reg, unsigned lo, unsigned hi, unsigned protos,
                        int (*fn)(const struct pk_note *note, void *arg), void *arg);

/*
 * Fills out[0..cap) with the notes touching port for a protocol in protos, narrowest range
 * first (as the port page shows them). Returns how many there are, which may be over cap
 * (call again with room for them all), or PK_EINVAL for a port over PK_PORT_MAX. Allocates
 * nothing.
 */
PK_API int pk_port_notes(const struct pk_registry *reg, unsigned port, unsigned protos,
                         struct pk_note *out, size_t cap);

/* A search result: a registry record or a note, with its rank (higher is better). */
struct pk_hit {
    uint32_t id;
    bool is_note;
    int score;
};

/*
 * Searches names, descriptions and assignment notes of every record, and the text of every
 * note, for all of terms (case-insensitive substrings; ASCII case folding). Results are
 * ranked: exact name, then name prefix, then name substring, then description, then notes;
 * ties by port. A note's label (its text before the first colon, "Vite" in "Vite: ...")
 * ranks as a name, the rest of its text as a description. Writes at most max hits to hits
 * and returns the total number of matches (which may exceed max), or PK_EINVAL when nterms
 * is 0 or over 16, or a term is empty or longer than 255 bytes.
 */
PK_API int pk_search(const struct pk_registry *reg, const char *const *terms, size_t nterms,
                     struct pk_hit *hits, size_t max);

/* One record or note that matched a search, and how well. */
#define PK_SEARCH_REFS 8
struct pk_search_ref {
    uint32_t id;
    bool is_note;
    int score;
};

/*
 * A search result: a port (port == port_end), a block of ports, or a service name without a
 * port (noport), with the protocols and the records and notes of it that matched, best first
 * (the first PK_SEARCH_REFS of them).
 */
struct pk_search_result {
    unsigned port, port_end; /* 0 for a name without a port */
    bool noport;
    unsigned protos; /* pk_proto bits of what matched */
    int score;       /* higher is better */
    int prior;       /* the project's popularity weight of the port (0-100), 0 when none */
    size_t nrefs;
    struct pk_search_ref refs[PK_SEARCH_REFS];
};

/*
 * Searches for what a person means by terms (case-insensitive; a term holding blanks is
 * split into words): ranks ports, blocks of ports and names without a port by everything
 * their page says. Every term must match somewhere in it. A whole name or note label ranks
 * above a part of a name, a whole word of a description above one found inside a word, the
 * terms in a row as a phrase above them apart; the popularity prior breaks ties; names
 * without a port come after every port. Writes the best max results, best first, and
 * returns how many there are (which may exceed max), PK_EINVAL for no term, over 16, or one
 * empty or over 255 bytes, or PK_ENOMEM. Allocates working memory.
 */
PK_API int pk_search_ports(const struct pk_registry *reg, const char *const *terms, size_t nterms,
                           struct pk_search_result *out, size_t max);

/* Returns the project's popularity weight (1-100) of port for a protocol in protos, or 0. */
PK_API int pk_port_prior(const struct pk_registry *reg, unsigned port, unsigned protos);

/* Returns the range class of port. */
PK_API enum pk_range_class pk_range_class_of(unsigned port);

/* Names for enums: "tcp", "assigned", "system", "unofficial"; NULL for a bad value. */
PK_API const char *pk_proto_name(unsigned proto);
PK_API const char *pk_status_name(enum pk_status status);
PK_API const char *pk_range_class_name(enum pk_range_class rc);
PK_API const char *pk_note_kind_name(enum pk_note_kind kind);

/* Returns the pk_proto bit named by name ("tcp", case-insensitive), or 0 when unknown. */
PK_API unsigned pk_proto_from_name(const char *name, size_t len);

/* Returns the index 0..3 of a single pk_proto bit, or -1. */
PK_API int pk_proto_index(unsigned proto);

PK_END_DECLS

#endif
