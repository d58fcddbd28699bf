/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IANA's XML (ingest.h), read with expat as a stream of events: no tree is built.
 *
 * Safety. A document with a DOCTYPE is refused as soon as expat meets it, so no entity can be
 * declared: the only references left are XML's five predefined entities and character
 * references, which expand to one character each. No external entity or DTD is ever fetched
 * (the handler for external references refuses, and parameter entities are never parsed).
 * Everything is bounded: the input (PK__SOURCE_MAX), the depth (DEPTH_MAX), each text and
 * attribute (PK__FIELD_MAX), the records (PK__BUILD_RECS_MAX) and people (PEOPLE_MAX).
 *
 * Mapping, as IANA's CSV export has it: <name>, <number>, <protocol>, <description>; the
 * record's date and updated attributes are the registration and modification dates; the
 * persons of <assignee> the assignee, the record's own person references the contact (and
 * the assignee when there is no <assignee>); its other references, in order, the reference
 * column ([RFC6335], [draft-...], a URI or its text, [1] for a footnote); <sc> the service
 * code, <unauthorized> and <note> (with its references inline) the last two columns.
 * Only the records that are children of the root count, as in ElementTree's findall().
 *
 * People: the file ends with <people>, naming each person by id. A person reference is shown
 * by that name ("Jon Postel" for [Jon_Postel], as IANA's pages show it), else by the
 * person's organization, else as the CSV writes it, [Jon_Postel]; several are joined by ", ".
 * The names are put in once the whole file has been read.
 */
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "ingest.h"
#include "portkit/buf.h"
#include "portkit/error.h"

#define NS "http://www.iana.org/assignments|"
#define DEPTH_MAX 32
#define PEOPLE_MAX 200000u
#define ARENA_MAX (2 * (size_t)PK__SOURCE_MAX)
#define CHUNK (256u << 10)

/* What an element is, by where it sits. */
enum kind {
    K_OTHER,
    K_REGISTRY,
    K_UPDATED,
    K_RECORD,
    K_PEOPLE,
    K_PERSON,
    K_P_NAME,
    K_P_ORG,
    K_ASSIGNEE,
    K_XREF,  /* a reference of a record (or of its note, or a person of its assignee) */
    K_FIELD, /* a text column of a record */
};

/* The text columns of a record being read, and the other things a record holds. */
enum {
    F_NAME,
    F_NUMBER,
    F_PROTO,
    F_DESC,
    F_ASSIGNEE,
    F_CONTACT,
    F_REF,
    F_SC,
    F_UNAUTH,
    F_NOTE,
    F_COUNT
};

/* A record read, as offsets into the arena. */
struct xrec {
    uint32_t off[F_COUNT];
    uint32_t date, updated;
    unsigned line;
};

struct person {
    uint32_t id, name; /* arena offsets; name 0 when the person has neither name nor org */
};

struct xml {
    XML_Parser p;
    int depth;
    enum kind kind[DEPTH_MAX + 1];
    int target[DEPTH_MAX + 1]; /* the field that text at this depth goes to, or -1 */
    bool in_assignee;
    struct pk_buf f[F_COUNT]; /* the record's columns */
    struct pk_buf date, updated;
    struct pk_buf xtext;            /* the text of the reference being read */
    char xtype[16];                 /* its type ("person", "rfc", ...) */
    struct pk_buf xdata;            /* its data attribute */
    int xfield;                     /* where it goes: F_REF, F_NOTE, F_ASSIGNEE */
    struct pk_buf pid, pname, porg; /* the person being read */
    bool have_name;
    char *arena;
    size_t alen, acap;
    struct xrec *recs;
    size_t nrecs, rcap;
    struct person *people;
    size_t npeople, pcap;
    char regdate[11];
    bool root_ok;
    int rc;        /* our own failure: 0, PK_EBADMSG, PK_ERANGE, PK_ENOMEM */
    char why[200]; /* and what it was */
    unsigned line;
};

/* Stops the parse with rc and a message. */
static void
stop(struct xml *x, int rc, const char *msg)
{
    if (x->rc)
        return;
    x->rc = rc;
    x->line = (unsigned)XML_GetCurrentLineNumber(x->p);
    snprintf(x->why, sizeof(x->why), "%s", msg);
    XML_StopParser(x->p, XML_FALSE);
}

/* Copies s (n bytes) with a NUL into the arena. Returns its offset, or 0 after stop(). */
static uint32_t
arena_add(struct xml *x, const char *s, size_t n)
{
    if (n == 0)
        return 0;
    int rc = pk__grow(&x->arena, &x->acap, x->alen + n + 1, 1, ARENA_MAX);
    if (rc < 0) {
        stop(x, rc == PK_ENOBUFS ? PK_ERANGE : rc, "the records' text is too large");
        return 0;
    }
    uint32_t off = (uint32_t)x->alen;
    memcpy(x->arena + x->alen, s, n);
    x->arena[x->alen + n] = '\0';
    x->alen += n + 1;
    return off;
}

/* Adds the buffer's text, blanks around it trimmed. */
static uint32_t
arena_trimmed(struct xml *x, const struct pk_buf *b)
{
    const char *s = b->data ? b->data : "";
    size_t n = b->len;
    while (n && strchr(" \t\r\n", s[0]))
        s++, n--;
    while (n && strchr(" \t\r\n", s[n - 1]))
        n--;
    return arena_add(x, s, n);
}

/* The local name of an element of IANA's namespace, or NULL for another namespace. */
static const char *
local(const char *name)
{
    return strncmp(name, NS, sizeof(NS) - 1) == 0 ? name + sizeof(NS) - 1 : NULL;
}

/* The value of attribute name, or NULL. */
static const char *
attr(const char **atts, const char *name)
{
    for (int i = 0; atts[i]; i += 2)
        if (strcmp(atts[i], name) == 0)
            return atts[i + 1];
    return NULL;
}

/* Copies an attribute's value into b, checking its length. */
static void
take_attr(struct xml *x, struct pk_buf *b, const char *v)
{
    pk_buf_reset(b);
    if (v && strlen(v) > PK__FIELD_MAX)
        stop(x, PK_EBADMSG, "an attribute value is too long");
    else if (v)
        pk_buf_puts(b, v);
}

static const struct {
    const char *name;
    int field;
} record_fields[] = {
    {"name", F_NAME}, {"number", F_NUMBER},       {"protocol", F_PROTO}, {"description", F_DESC},
    {"sc", F_SC},     {"unauthorized", F_UNAUTH}, {"note", F_NOTE},
};

/* Starts a reference inside a record, its note or its assignee. */
static void
xref_start(struct xml *x, const char **atts, int field)
{
    const char *type = attr(atts, "type");
    snprintf(x->xtype, sizeof(x->xtype), "%s", type ? type : "");
    take_attr(x, &x->xdata, attr(atts, "data"));
    pk_buf_reset(&x->xtext);
    /* A person of the record is its contact; of its assignee, the assignee. */
    x->xfield = field == F_ASSIGNEE                                  ? F_ASSIGNEE
                : strcmp(x->xtype, "person") == 0 && field != F_NOTE ? F_CONTACT
                                                                     : field;
}

/* Ends a reference: "[RFC6335]", "[draft-...]", "[Jon_Postel]", or its own text. */
static void
xref_end(struct xml *x)
{
    struct pk_buf *to = &x->f[x->xfield];
    const char *data = x->xdata.data ? x->xdata.data : "";
    size_t tl = x->xtext.len;
    const char *t = x->xtext.data;
    while (tl && strchr(" \t\r\n", t[0]))
        t++, tl--;
    while (tl && strchr(" \t\r\n", t[tl - 1]))
        tl--;
    pk_buf_putc(to, '[');
    if (tl && strcmp(x->xtype, "person") != 0)
        pk_buf_put(to, t, tl);
    else if (strcmp(x->xtype, "rfc") == 0 && strncmp(data, "rfc", 3) == 0) {
        pk_buf_puts(to, "RFC");
        pk_buf_puts(to, data + 3);
    } else
        pk_buf_puts(to, data);
    pk_buf_putc(to, ']');
}

static void XMLCALL
on_start(void *ud, const char *name, const char **atts)
{
    struct xml *x = ud;
    const char *ln = local(name);
    enum kind parent = x->depth ? x->kind[x->depth] : K_OTHER;
    int target = x->depth ? x->target[x->depth] : -1;
    if (x->depth == DEPTH_MAX) {
        stop(x, PK_EBADMSG, "elements nested too deep");
        return;
    }
    enum kind k = K_OTHER;
    if (x->depth == 0) {
        const char *id = attr(atts, "id");
        if (!ln || strcmp(ln, "registry") != 0 || !id || strcmp(id, "service-names-port-numbers"))
            stop(x, PK_EBADMSG, "not IANA's service name and port number registry");
        k = K_REGISTRY;
        x->root_ok = true;
    } else if (!ln) {
        k = K_OTHER;
    } else if (parent == K_REGISTRY) {
        if (strcmp(ln, "record") == 0) {
            k = K_RECORD;
            for (int i = 0; i < F_COUNT; i++)
                pk_buf_reset(&x->f[i]);
            take_attr(x, &x->date, attr(atts, "date"));
            take_attr(x, &x->updated, attr(atts, "updated"));
            x->in_assignee = false;
        } else if (strcmp(ln, "updated") == 0) {
            k = K_UPDATED;
            pk_buf_reset(&x->xtext);
        } else if (strcmp(ln, "people") == 0) {
            k = K_PEOPLE;
        }
    } else if (parent == K_RECORD) {
        if (strcmp(ln, "xref") == 0) {
            k = K_XREF;
            xref_start(x, atts, F_REF);
        } else if (strcmp(ln, "assignee") == 0) {
            k = K_ASSIGNEE;
            x->in_assignee = true;
        } else {
            for (size_t i = 0; i < sizeof(record_fields) / sizeof(record_fields[0]); i++)
                if (strcmp(ln, record_fields[i].name) == 0) {
                    k = K_FIELD;
                    target = record_fields[i].field;
                }
        }
    } else if ((parent == K_ASSIGNEE || target == F_NOTE) && strcmp(ln, "xref") == 0) {
        k = K_XREF;
        xref_start(x, atts, parent == K_ASSIGNEE ? F_ASSIGNEE : F_NOTE);
    } else if (parent == K_PEOPLE && strcmp(ln, "person") == 0) {
        k = K_PERSON;
        take_attr(x, &x->pid, attr(atts, "id"));
        pk_buf_reset(&x->pname);
        pk_buf_reset(&x->porg);
        x->have_name = false;
    } else if (parent == K_PERSON && (strcmp(ln, "name") == 0 || strcmp(ln, "org") == 0)) {
        k = ln[0] == 'n' ? K_P_NAME : K_P_ORG;
    }
    if (k == K_OTHER && parent != K_FIELD && parent != K_OTHER)
        target = -1; /* text of elements portkit does not read is dropped */
    x->depth++;
    x->kind[x->depth] = k;
    x->target[x->depth] = k == K_XREF ? -1 : target;
}

/* Ends a record: its columns into the arena. */
static void
record_end(struct xml *x)
{
    struct xrec r = {.line = (unsigned)XML_GetCurrentLineNumber(x->p)};
    for (int i = 0; i < F_COUNT; i++) {
        if (x->f[i].err) {
            stop(x, PK_EBADMSG, "a record's text is too long");
            return;
        }
    }
    if (!x->in_assignee) /* no <assignee>: the contact is also the assignee */
        pk_buf_puts(&x->f[F_ASSIGNEE], x->f[F_CONTACT].data ? x->f[F_CONTACT].data : "");
    for (int i = 0; i < F_COUNT; i++)
        r.off[i] = arena_trimmed(x, &x->f[i]);
    r.date = arena_trimmed(x, &x->date);
    r.updated = arena_trimmed(x, &x->updated);
    int rc = pk__push(&x->recs, &x->nrecs, &x->rcap, &r, sizeof(r), PK__BUILD_RECS_MAX);
    if (rc < 0)
        stop(x, rc == PK_ENOBUFS ? PK_ERANGE : rc, "too many records");
}

static void XMLCALL
on_end(void *ud, const char *name)
{
    struct xml *x = ud;
    (void)name;
    enum kind k = x->kind[x->depth];
    if (k == K_RECORD) {
        record_end(x);
    } else if (k == K_XREF) {
        if (x->xtext.err)
            stop(x, PK_EBADMSG, "a reference's text is too long");
        xref_end(x);
    } else if (k == K_UPDATED) {
        /* IANA's date of the registry, when it is one. */
        if (x->xtext.len < sizeof(x->regdate) && x->xtext.data && pk__ingest_date_ok(x->xtext.data))
            snprintf(x->regdate, sizeof(x->regdate), "%s", x->xtext.data);
    } else if (k == K_PERSON) {
        struct person pe = {arena_trimmed(x, &x->pid), 0};
        pe.name = arena_trimmed(x, x->pname.len ? &x->pname : &x->porg);
        if (x->pname.err || x->porg.err || x->pid.err)
            stop(x, PK_EBADMSG, "a person's name is too long");
        int rc = pk__push(&x->people, &x->npeople, &x->pcap, &pe, sizeof(pe), PEOPLE_MAX);
        if (rc < 0)
            stop(x, rc == PK_ENOBUFS ? PK_ERANGE : rc, "too many people");
    }
    x->depth--;
}

static void XMLCALL
on_text(void *ud, const char *s, int len)
{
    struct xml *x = ud;
    enum kind k = x->kind[x->depth];
    int t = x->target[x->depth];
    if (k == K_XREF || k == K_UPDATED)
        pk_buf_put(&x->xtext, s, (size_t)len);
    else if (k == K_P_NAME)
        pk_buf_put(&x->pname, s, (size_t)len);
    else if (k == K_P_ORG)
        pk_buf_put(&x->porg, s, (size_t)len);
    else if (t >= 0)
        pk_buf_put(&x->f[t], s, (size_t)len);
}

/* Any DOCTYPE: refused, so that no entity can ever be declared. */
static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
           int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    stop(ud, PK_EBADMSG, "a DOCTYPE (refused: no DTD, no entities)");
}

static void XMLCALL
on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value, int len,
          const XML_Char *base, const XML_Char *sysid, const XML_Char *pubid,
          const XML_Char *notation)
{
    (void)name, (void)is_param, (void)value, (void)len, (void)base, (void)sysid, (void)pubid,
        (void)notation;
    stop(ud, PK_EBADMSG, "an entity declaration (refused)");
}

static int XMLCALL
on_external(XML_Parser p, const XML_Char *context, const XML_Char *base, const XML_Char *sysid,
            const XML_Char *pubid)
{
    (void)p, (void)context, (void)base, (void)sysid, (void)pubid;
    return XML_STATUS_ERROR; /* never fetched */
}

static int
cmp_person(const void *a, const void *b, void *arg)
{
    const char *arena = arg;
    return strcmp(arena + ((const struct person *)a)->id, arena + ((const struct person *)b)->id);
}

/* The name of person id, or NULL when the file names none. */
static const char *
name_of(const struct xml *x, const char *id)
{
    size_t lo = 0, hi = x->npeople;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int d = strcmp(id, x->arena + x->people[mid].id);
        if (d == 0)
            return x->people[mid].name ? x->arena + x->people[mid].name : NULL;
        if (d < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/*
 * Rewrites a column of person references ("[Jon_Postel][IESG]") with the people's names,
 * joined by ", " ("Jon Postel"); a person the file does not name stays "[id]". Returns the
 * new text's offset, or off when no name was found.
 */
static uint32_t
named(struct xml *x, uint32_t off)
{
    if (!off || !x->npeople)
        return off;
    struct pk_buf b;
    pk_buf_init(&b, PK__FIELD_MAX);
    bool changed = false;
    for (const char *s = x->arena + off; *s;) {
        const char *close = *s == '[' ? strchr(s, ']') : NULL;
        if (!close) {
            pk_buf_puts(&b, s);
            break;
        }
        char id[512];
        snprintf(id, sizeof(id), "%.*s", (int)(close - s - 1), s + 1);
        const char *name = name_of(x, id);
        if (b.len)
            pk_buf_puts(&b, ", ");
        if (name)
            pk_buf_puts(&b, name);
        else
            pk_buf_put(&b, s, (size_t)(close - s + 1));
        changed |= name != NULL;
        s = close + 1;
    }
    /* (The names are copied out before the arena may move.) */
    uint32_t r = changed && !b.err ? arena_add(x, b.data, b.len) : off;
    pk_buf_free(&b);
    return r;
}

/* Turns the records read into builder records. */
static int
finish(struct xml *x, struct pk__source *out)
{
    if (x->npeople)
        qsort_r(x->people, x->npeople, sizeof(*x->people), cmp_person, x->arena);
    for (size_t i = 0; i < x->nrecs; i++) {
        x->recs[i].off[F_ASSIGNEE] = named(x, x->recs[i].off[F_ASSIGNEE]);
        x->recs[i].off[F_CONTACT] = named(x, x->recs[i].off[F_CONTACT]);
    }
    if (x->rc)
        return x->rc;
    struct pk__build_rec *recs = malloc((x->nrecs ? x->nrecs : 1) * sizeof(*recs));
    if (!recs)
        return PK_ENOMEM;
    /* Offset 0 is the empty string: the arena's first byte. */
    static const int to_str[F_COUNT] = {[F_NAME] = PK__S_SERVICE,
                                        [F_NUMBER] = -1,
                                        [F_PROTO] = -1,
                                        [F_DESC] = PK__S_DESCRIPTION,
                                        [F_ASSIGNEE] = PK__S_ASSIGNEE,
                                        [F_CONTACT] = PK__S_CONTACT,
                                        [F_REF] = PK__S_REFERENCE,
                                        [F_SC] = PK__S_SERVICE_CODE,
                                        [F_UNAUTH] = PK__S_UNAUTHORIZED,
                                        [F_NOTE] = PK__S_NOTES};
    for (size_t i = 0; i < x->nrecs; i++) {
        const struct xrec *xr = &x->recs[i];
        struct pk__build_rec *r = &recs[i];
        memset(r, 0, sizeof(*r));
        for (int f = 0; f < F_COUNT; f++)
            if (to_str[f] >= 0)
                r->str[to_str[f]] = x->arena + xr->off[f];
        r->str[PK__S_REGISTERED] = x->arena + xr->date;
        r->str[PK__S_MODIFIED] = x->arena + xr->updated;
        r->str[PK__S_AS_OF] = x->arena;
        if (!pk__ingest_fill(r, x->arena + xr->off[F_NUMBER], x->arena + xr->off[F_PROTO], x->why,
                             sizeof(x->why))) {
            x->line = xr->line;
            free(recs);
            return PK_EBADMSG;
        }
    }
    *out = (struct pk__source){
        .kind = PK__SOURCE_XML, .recs = recs, .nrecs = x->nrecs, .mem = x->arena};
    /* IANA's own date of the registry, else the newest of the records' dates. */
    snprintf(out->date, sizeof(out->date), "%s", x->regdate);
    for (size_t i = 0; !*x->regdate && i < x->nrecs; i++)
        for (int k = PK__S_REGISTERED; k <= PK__S_MODIFIED; k++)
            if (strlen(recs[i].str[k]) < sizeof(out->date) && strcmp(recs[i].str[k], out->date) > 0)
                snprintf(out->date, sizeof(out->date), "%s", recs[i].str[k]);
    x->arena = NULL;
    return 0;
}

int
pk__xml_read(const char *buf, size_t len, pk__ingest_err err, void *arg, struct pk__source *out)
{
    if (len > PK__SOURCE_MAX)
        return PK_ERANGE;
    struct xml x = {.rc = 0};
    int rc = 0;
    x.p = XML_ParserCreateNS(NULL, '|');
    if (!x.p)
        return PK_ENOMEM;
    for (int i = 0; i < F_COUNT; i++)
        pk_buf_init(&x.f[i], PK__FIELD_MAX);
    pk_buf_init(&x.date, 64);
    pk_buf_init(&x.updated, 64);
    pk_buf_init(&x.xtext, PK__FIELD_MAX);
    pk_buf_init(&x.xdata, PK__FIELD_MAX);
    pk_buf_init(&x.pid, 1024);
    pk_buf_init(&x.pname, 1024);
    pk_buf_init(&x.porg, 1024);
    /* The arena's offset 0 is the empty string. */
    if (pk__grow(&x.arena, &x.acap, 1u << 20, 1, ARENA_MAX) < 0) {
        rc = PK_ENOMEM;
        goto out;
    }
    x.arena[0] = '\0';
    x.alen = 1;
    XML_SetUserData(x.p, &x);
    XML_SetElementHandler(x.p, on_start, on_end);
    XML_SetCharacterDataHandler(x.p, on_text);
    XML_SetStartDoctypeDeclHandler(x.p, on_doctype);
    XML_SetEntityDeclHandler(x.p, on_entity);
    XML_SetExternalEntityRefHandler(x.p, on_external);
    XML_SetParamEntityParsing(x.p, XML_PARAM_ENTITY_PARSING_NEVER);
    for (size_t at = 0; rc == 0;) {
        size_t n = len - at < CHUNK ? len - at : CHUNK;
        bool last = at + n == len;
        if (XML_Parse(x.p, buf + at, (int)n, last) != XML_STATUS_OK) {
            if (!x.rc) {
                x.rc = PK_EBADMSG;
                x.line = (unsigned)XML_GetCurrentLineNumber(x.p);
                snprintf(x.why, sizeof(x.why), "%s", XML_ErrorString(XML_GetErrorCode(x.p)));
            }
            rc = x.rc;
        }
        at += n;
        if (last)
            break;
    }
    if (rc == 0 && !x.root_ok) {
        rc = PK_EBADMSG;
        snprintf(x.why, sizeof(x.why), "no registry element");
    }
    if (rc == 0)
        rc = finish(&x, out);
out:
    if (rc == PK_EBADMSG && err)
        err(arg, x.line, x.why);
    XML_ParserFree(x.p);
    for (int i = 0; i < F_COUNT; i++)
        pk_buf_free(&x.f[i]);
    pk_buf_free(&x.date);
    pk_buf_free(&x.updated);
    pk_buf_free(&x.xtext);
    pk_buf_free(&x.xdata);
    pk_buf_free(&x.pid);
    pk_buf_free(&x.pname);
    pk_buf_free(&x.porg);
    free(x.arena);
    free(x.recs);
    free(x.people);
    return rc;
}
