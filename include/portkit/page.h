/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_PAGE_H
#define PORTKIT_PAGE_H

/*
 * The port page: everything portkit knows about one port, computed once and rendered by the
 * output layer as text (portkit 22), JSON (portkit --json 22, the web API) and HTML (the web
 * page), so that every view states the same facts. A range of ports (788-799) has its own
 * compact form: runs of ports with the same records.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portkit/out.h"
#include "portkit/policy.h"
#include "portkit/registry.h"
#include "portkit/common.h"

PK_BEGIN_DECLS

#define PK_PAGE_NOTES_INLINE 32

/* One protocol of a page: its status and the records that cover the port. */
struct pk_page_proto {
    unsigned proto; /* one pk_proto bit */
    enum pk_status status;
    struct pk_cursor records; /* assignments first, then reserved and unassigned blocks */
    bool shown;               /* in the text page: named, or with records (tcp, udp always) */
};

/* The sections a renderer may add after the registry's (the "here" section of sockets). */
enum pk_page_format { PK_PAGE_TEXT, PK_PAGE_JSON, PK_PAGE_HTML };

struct pk_page {
    unsigned port;
    unsigned protos; /* the protocols asked for (pk_proto bits) */
    bool has_proto;  /* one was named ("80/tcp") */
    enum pk_range_class range;
    const struct pk_port_policy *policy; /* this host's, or NULL when not known */
    struct pk_page_proto proto[PK_NPROTO];
    size_t nproto;
    /* Every note touching the port, any kind, narrowest range first. */
    struct pk_note *notes;
    size_t nnotes;
    struct pk_note inline_notes[PK_PAGE_NOTES_INLINE];
    /* The block the port sits in: the narrowest IANA block record or note of 2 to 16 ports
     * covering it (788-799 for 793, 721-731 for 721); has_block false when none. */
    bool has_block;
    unsigned block_lo, block_hi;
    /* Called at the end of the page to add sections of a higher layer (who listens here);
     * in JSON it writes whole "key": value members. May be NULL. */
    void (*extra)(const struct pk_out *o, enum pk_page_format fmt, void *arg);
    void *extra_arg;
};

/*
 * Fills *page for port (0..65535) and the protocols in protos (PK_PROTO_ALL when none was
 * named; has_proto says whether one was), with this host's policy pol (may be NULL).
 * Returns 0, PK_EINVAL for a bad port or protocol set, or PK_ENOMEM. Free it with
 * pk_page_free().
 */
PK_API int pk_page_build(const struct pk_registry *reg, unsigned port, unsigned protos,
                         bool has_proto, const struct pk_port_policy *pol, struct pk_page *page);
PK_API void pk_page_free(struct pk_page *page);

/* Writes the page as one JSON object (see portkit(1) and docs/schema/page.json). */
PK_API void pk_out_page_json(const struct pk_out *o, const struct pk_page *page);
/* Appends the page as text: range, this host, each protocol's records, then the notes. */
PK_API void pk_out_page_text(const struct pk_out *o, const struct pk_page *page);
/* Appends the page as an HTML <article>. */
PK_API void pk_out_page_html(const struct pk_out *o, const struct pk_page *page);

/*
 * A range lo..hi (lo < hi) of the protocols in protos: for each protocol the runs of
 * consecutive ports that have the same records, then the notes touching the range. JSON is
 * one object (docs/schema/range.json); text a table; HTML a <table>. Returns 0 or PK_ENOMEM
 * (text), the JSON and HTML writers cannot fail but through o->b.
 */
PK_API void pk_out_range_json(const struct pk_out *o, unsigned lo, unsigned hi, unsigned protos,
                              bool has_proto);
PK_API int pk_out_range_text(const struct pk_out *o, unsigned lo, unsigned hi, unsigned protos,
                             bool has_proto);
PK_API void pk_out_range_html(const struct pk_out *o, unsigned lo, unsigned hi, unsigned protos,
                              bool has_proto);

PK_END_DECLS

#endif
