/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_DBFILE_H
#define PORTKIT_DBFILE_H

/*
 * Writing the local registry database (portkit update) so that a reader never sees half of
 * one and a failure at any moment leaves the previous one whole: an exclusive lock on a lock
 * file beside it, the new image written to a temporary file in the same folder, fsynced,
 * renamed over the old one, the folder fsynced. The validators of the download it came from
 * (URL, ETag, Last-Modified) and a sum of the notes it was built with are kept beside it the
 * same way.
 */
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DB_LOCK_FILE "registry.lock"
#define DB_META_FILE "registry.http"

/* What the last update fetched, for the next one's conditional request. */
struct db_meta {
    char url[4200];
    char etag[256];
    char last_modified[128];
    uint64_t notes; /* a sum of the notes built in: other notes want a new build */
};

/* Makes dir (and its parents) when missing. Returns 0, or -1 with why. */
int db_mkdir(const char *dir, char *why, size_t cap);

/* Takes the update lock of dir without waiting. Returns its descriptor (close it to
 * release), or -1 with why (another update holds it, or the file can't be made). */
int db_lock(const char *dir, char *why, size_t cap);

/* Removes temporary files left in dir by an update that was killed. */
void db_clean(const char *dir);

/*
 * Writes len bytes as dir/name, atomically: a temporary file, fsync, rename, fsync of
 * dir. Returns 0, or -1 with why; on failure dir/name is as it was. A set stop (a
 * signal) abandons the write before the rename.
 */
int db_write(const char *dir, const char *name, const void *data, size_t len,
             volatile sig_atomic_t *stop, char *why, size_t cap);

/* Reads dir's validators into *m. Returns true when there are some. */
bool db_meta_read(const char *dir, struct db_meta *m);

/* Writes them (atomically, as db_write()). Returns 0 or -1 with why. */
int db_meta_write(const char *dir, const struct db_meta *m, char *why, size_t cap);

#endif
