/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_INGEST_INGEST_H
#define PORTKIT_INGEST_INGEST_H

/*
 * What every reader of a registry source shares: the rules that turn IANA's columns into a
 * builder record (the status of a record, the port and protocol columns, clean text), and
 * the sources themselves: IANA's CSV (csv.c), IANA's XML (xml.c) and registry images,
 * detected by content (source.c).
 */
#include <stdbool.h>
#include <stddef.h>

#include "build.h"

/* Called for each malformed line or record: its line number (1-based) and what is wrong. */
typedef void (*pk__ingest_err)(void *arg, unsigned line, const char *msg);

/* The largest source file read (IANA's XML is about 4 MiB). */
#define PK__SOURCE_MAX (64u << 20)
/* The longest field of a CSV record or text of an XML element (IANA's longest: 1.5 KiB). */
#define PK__FIELD_MAX (64u << 10)

/* IANA's twelve columns, in the order of its CSV: where each goes in a record (a PK__S_*
 * string slot, or the port and protocol columns, which are parsed). */
#define PK__IANA_NCOLS 12
#define PK__COL_PORT (-1)
#define PK__COL_PROTO (-2)
extern const int pk__iana_columns[PK__IANA_NCOLS];

/*
 * The status a record gives its ports: a service name assigns; a record without one assigns
 * nothing (1008/udp "Possibly used by Sun Solaris", 24 "any private mail system"): it is
 * reserved when its description says so ("Reserved", "IANA Reserved"), else unassigned.
 * Every reader applies it; keep it in step with status_of() in scripts/regen-registry.
 */
unsigned pk__ingest_status(const char *service, const char *desc);

/*
 * Returns true when s is valid UTF-8 without C0 or C1 controls, DEL or bidirectional
 * controls; allow lists the C0 controls that may appear (IANA's notes hold line breaks).
 */
bool pk__ingest_text_ok(const char *s, const char *allow);

/* True for "", "YYYY", "YYYY-MM" and "YYYY-MM-DD", the forms of IANA's dates. */
bool pk__ingest_date_ok(const char *s);

/* Parses a decimal port (no sign, no leading zeros) in s..e. Returns it, or -1. */
long pk__ingest_port(const char *s, const char *e);

/* Parses "N" or "N-M" in s..e into lo, hi. Returns false when malformed. */
bool pk__ingest_ports(const char *s, const char *e, unsigned *lo, unsigned *hi);

/* The pk_proto bit named exactly (lowercase) by the n bytes at s, or 0. */
unsigned pk__ingest_proto(const char *s, size_t n);

/*
 * Fills r's port range, protocol, flags and status from IANA's port and protocol columns and
 * the strings already in r->str (as_of included), and checks every string. Returns true, or
 * false with what is wrong written into why (cap bytes).
 */
bool pk__ingest_fill(struct pk__build_rec *r, const char *port, const char *proto, char *why,
                     size_t cap);

/* Kinds of source, told apart by their first bytes. */
enum pk__source_kind {
    PK__SOURCE_UNKNOWN,
    PK__SOURCE_CSV,   /* IANA's CSV: the header "Service Name,Port Number,..." */
    PK__SOURCE_XML,   /* IANA's XML: "<?xml" or an element */
    PK__SOURCE_IMAGE, /* a portkit registry image: "PKREGIMG" */
};

/* Returns the kind of the len bytes at buf (after a UTF-8 byte-order mark and blanks). */
enum pk__source_kind pk__source_detect(const void *buf, size_t len);

/* Returns "IANA's CSV", "IANA's XML", "a registry image" or "unknown". */
const char *pk__source_kind_name(enum pk__source_kind k);

/* A source read into builder records. */
struct pk__source {
    enum pk__source_kind kind;
    struct pk__build_rec *recs;
    size_t nrecs;
    char date[11]; /* IANA's date of the data (YYYY-MM-DD or shorter), "" when unknown */
    void *mem;     /* storage the records' strings point into (besides the input), or NULL */
    const struct pk_registry *reg; /* an image's registry, its strings (NULL otherwise) */
};

/*
 * Reads IANA's CSV in buf (len bytes followed by a NUL; modified in place: the records'
 * strings point into it). RFC 4180, strictly: see csv.c. Stops at the first malformed
 * record, reported through err. Returns 0 with *out (free with pk__source_free()),
 * PK_EBADMSG, PK_ERANGE past PK__BUILD_RECS_MAX records or PK__SOURCE_MAX bytes, PK_ENOMEM.
 */
int pk__csv_read(char *buf, size_t len, pk__ingest_err err, void *arg, struct pk__source *out);

/*
 * Reads IANA's XML of len bytes at buf with expat, streaming, refusing any DTD (so no entity
 * can be declared or fetched): see xml.c. Assignees and contacts are shown by the names of
 * the file's <people> section. Returns what pk__csv_read() does.
 */
int pk__xml_read(const char *buf, size_t len, pk__ingest_err err, void *arg,
                 struct pk__source *out);

/*
 * Reads any source by its content: IANA's CSV or XML, or a registry image (opened from
 * buf, which must then be 8-byte aligned and outlive *out). Returns what the reader does,
 * or PK_EBADMSG (reported through err) for none of them.
 */
int pk__source_read(char *buf, size_t len, pk__ingest_err err, void *arg, struct pk__source *out);

/* Frees what a reader allocated (not the input). */
void pk__source_free(struct pk__source *s);

/*
 * The project's notes and popularity prior of reg (the built-in registry's: data/notes.txt
 * and data/everyday.txt), as builder input whose strings point into reg, so that a registry
 * built from IANA's files carries them too. Returns 0 with both arrays (malloc'd), or
 * PK_ENOMEM.
 */
int pk__ingest_notes_of(const struct pk_registry *reg, struct pk__build_note **notes,
                        size_t *nnotes, struct pk__build_prior **prior, size_t *nprior);

#endif
