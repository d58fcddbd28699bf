/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_INGEST_TSV_H
#define PORTKIT_INGEST_TSV_H

/*
 * Readers of the project's own data files, for the image builder (build.h): data/registry.tsv
 * (IANA's twelve columns, tab-separated, with \\ \t \n \r escapes) and data/notes.txt (PORTS
 * PROTOCOLS KIND TEXT). Both are strict: every malformed line is reported with its number and
 * makes the read fail. Used by tools/gen/pk-embed at build time and fuzzed (fuzz/fuzz_tsv.c).
 */
#include <stddef.h>

#include "build.h"
#include "ingest.h"

#define PK__TSV_FILE_MAX (64u << 20)
#define PK__NOTE_TEXT_MIN 10
#define PK__NOTE_TEXT_MAX 400

/* Called for each malformed line: its number (1-based) and what is wrong. */
typedef pk__ingest_err pk__tsv_err;

/*
 * Parses the registry TSV in buf (len bytes followed by a NUL; modified in place: the strings
 * of the records point into it). Returns 0 with *recs (malloc'd) and *n, PK_EBADMSG when a
 * line was malformed (each reported through err), PK_ERANGE past PK__BUILD_RECS_MAX records,
 * or PK_ENOMEM. A record's status is derived from its name and description as IANA writes
 * them ("Reserved", "Unassigned", "De-registered", ...).
 */
int pk__tsv_registry(char *buf, size_t len, pk__tsv_err err, void *arg, struct pk__build_rec **recs,
                     size_t *n);

/* Parses the notes file in buf (as above); notes' texts point into buf. */
int pk__tsv_notes(char *buf, size_t len, pk__tsv_err err, void *arg, struct pk__build_note **notes,
                  size_t *n);

/*
 * Parses the popularity prior (data/everyday.txt: "PORT[/PROTO] WEIGHT  # what", weight
 * 1-100; without a protocol, every protocol) in buf. Returns what pk__tsv_registry() does.
 */
int pk__tsv_prior(char *buf, size_t len, pk__tsv_err err, void *arg, struct pk__build_prior **prior,
                  size_t *n);

#endif
