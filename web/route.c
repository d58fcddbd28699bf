/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The routes of portkit serve: each renders through the library's serializers (the same
 * ones as the command: a page's JSON is what portkit --json N prints) and the layout of
 * web/templates/layout.html. The table at the end is the whole site.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "portkit/error.h"
#include "portkit/portrange.h"
#include "portkit/version.h"
#include "web_int.h"

#define JSON_TYPE "application/json; charset=utf-8"
#define HTML_TYPE "text/html; charset=utf-8"
#define QUERY_MAX 255

const char *
web_arg(const struct web_req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Starts a reply's body. */
static void
reply_init(struct web_reply *r, unsigned status, const char *type)
{
    r->status = status;
    r->type = type;
    pk_buf_init(&r->body, WEB_BODY_MAX);
}

/* The output layer's context for a buffer. */
static struct pk_out
out_for(const struct web_req *rq, struct pk_buf *b)
{
    return (struct pk_out){.b = b, .reg = rq->srv->cfg.reg};
}

void
web_page(const struct web_req *rq, struct web_reply *r, unsigned status, const char *title,
         const char *head, const struct pk_buf *body)
{
    const struct web_asset *t = web_asset_find(web_templates, "layout.html");
    reply_init(r, status, HTML_TYPE);
    struct pk_buf *b = &r->body;
    const char *p = t ? (const char *)t->data : "{{body}}";
    const char *q = web_arg(rq, "q");
    while (*p) {
        const char *open = strstr(p, "{{");
        const char *close = open ? strstr(open, "}}") : NULL;
        if (!close) {
            pk_buf_puts(b, p);
            break;
        }
        pk_buf_put(b, p, (size_t)(open - p));
        size_t n = (size_t)(close - open - 2);
        const char *name = open + 2;
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(name, lit, n) == 0)
        if (IS("title")) {
            pk_buf_html_str(b, title);
        } else if (IS("head")) {
            pk_buf_puts(b, head ? head : "");
        } else if (IS("body")) {
            pk_buf_put(b, body->data ? body->data : "", body->len);
        } else if (IS("query")) {
            if (q && strncmp(rq->path, "/search", 7) == 0)
                pk_buf_html_str(b, q);
        } else if (IS("nav")) {
            if (rq->srv->cfg.local)
                pk_buf_puts(b, "<a href=\"/local\">This host</a>");
        } else if (IS("version")) {
            pk_buf_html_str(b, pk_version());
        } else if (IS("registry")) {
            pk_buf_html_str(b, rq->srv->registry);
        } else if (n > 7 && memcmp(name, "static:", 7) == 0) {
            char file[64];
            snprintf(file, sizeof(file), "%.*s", (int)(n - 7), name + 7);
            const struct web_asset *a = web_asset_find(web_statics, file);
            /* Named with its ETag: a changed file is a new URL. */
            pk_buf_printf(b, "/static/%s?v=%.16s", file, a ? a->etag + 1 : "");
        }
#undef IS
        p = close + 2;
    }
}

void
web_not_found(const struct web_req *rq, unsigned flags, const char *input, const char *why,
              struct web_reply *r)
{
    struct pk_buf body;
    pk_buf_init(&body, 1u << 16);
    struct pk_out o = out_for(rq, &body);
    if (flags & R_JSON) {
        pk_out_error_json(&o, input, strlen(input), PK_ENOENT, why);
        pk_buf_putc(&body, '\n');
        reply_init(r, MHD_HTTP_NOT_FOUND, JSON_TYPE);
        pk_buf_put(&r->body, body.data ? body.data : "", body.len);
    } else {
        pk_buf_puts(&body, "<h1>Not found</h1>\n");
        pk_out_error_html(&o, input, strlen(input), why);
        pk_buf_puts(&body, "<p>Port numbers run from 0 to 65535: try <a href=\"/port/80\">"
                           "/port/80</a>, <a href=\"/range/788-799\">/range/788-799</a> or "
                           "the search box.</p>\n");
        web_page(rq, r, MHD_HTTP_NOT_FOUND, "Not found", NULL, &body);
    }
    pk_buf_free(&body);
}

/* A bad request of an API or a page (a search without terms): 400 with the reason. */
static void
bad_request(const struct web_req *rq, unsigned flags, const char *input, const char *why,
            struct web_reply *r)
{
    web_not_found(rq, flags, input, why, r);
    r->status = MHD_HTTP_BAD_REQUEST;
}

/* ---- the port page, ranges ---- */

struct here_ctx {
    const struct web_server *srv;
    unsigned port, protos;
};

/* The page's extra section: who listens on the port here, now. */
static void
here_hook(const struct pk_out *o, enum pk_page_format fmt, void *arg)
{
    const struct here_ctx *h = arg;
    const struct web_local *l = h->srv->cfg.local;
    l->here(l->arg, h->port, h->protos, o, fmt);
}

/* Parses a port spec of a path; on failure fills r with the 404 that says why. */
static bool
parse_spec(const struct web_req *rq, unsigned flags, const char *rest, struct pk_portrange *spec,
           struct web_reply *r)
{
    const char *why = NULL;
    if (*rest == '\0')
        why = "no port given";
    else if (pk_portrange_parse(rest, strlen(rest), spec, &why) < 0 && !why)
        why = "not a port number";
    if (!why)
        return true;
    web_not_found(rq, flags, rest, why, r);
    return false;
}

/* A port or a range, as a page or as JSON: what portkit [--json] SPEC shows. */
static void
show_spec(const struct web_req *rq, const char *rest, bool json, struct web_reply *r)
{
    struct pk_portrange spec;
    if (!parse_spec(rq, json ? R_JSON : 0, rest, &spec, r))
        return;
    const struct web_server *s = rq->srv;
    struct pk_buf body;
    pk_buf_init(&body, WEB_BODY_MAX);
    struct pk_out o = out_for(rq, &body);
    char title[64];
    if (spec.lo != spec.hi) {
        if (json)
            pk_out_range_json(&o, spec.lo, spec.hi, spec.protos, spec.has_proto);
        else
            pk_out_range_html(&o, spec.lo, spec.hi, spec.protos, spec.has_proto);
        snprintf(title, sizeof(title), "Ports %u-%u", spec.lo, spec.hi);
    } else {
        struct pk_page page;
        if (pk_page_build(s->cfg.reg, spec.lo, spec.protos, spec.has_proto, s->cfg.policy, &page) <
            0) {
            body.err = PK_ENOMEM;
        } else {
            struct here_ctx h = {s, spec.lo, spec.protos};
            if (s->cfg.local) {
                page.extra = here_hook;
                page.extra_arg = &h;
            }
            if (json)
                pk_out_page_json(&o, &page);
            else
                pk_out_page_html(&o, &page);
            pk_page_free(&page);
        }
        snprintf(title, sizeof(title), "Port %u", spec.lo);
    }
    if (json) {
        pk_buf_putc(&body, '\n');
        reply_init(r, MHD_HTTP_OK, JSON_TYPE);
        pk_buf_put(&r->body, body.data ? body.data : "", body.len);
        r->body.err = r->body.err ? r->body.err : body.err;
    } else {
        web_page(rq, r, MHD_HTTP_OK, title, NULL, &body);
        r->body.err = r->body.err ? r->body.err : body.err;
    }
    pk_buf_free(&body);
}

static void
r_port(const struct web_req *rq, const char *rest, struct web_reply *r)
{
    show_spec(rq, rest, false, r);
}

static void
r_api_port(const struct web_req *rq, const char *rest, struct web_reply *r)
{
    show_spec(rq, rest, true, r);
}

/* The signature of a port page: who listens on its port. */
static bool
sig_port(const struct web_req *rq, const char *rest, uint64_t *sig)
{
    struct pk_portrange spec;
    const struct web_local *l = rq->srv->cfg.local;
    if (pk_portrange_parse(rest, strlen(rest), &spec, NULL) < 0 || spec.lo != spec.hi)
        return false;
    *sig = l->port_sig(l->arg, spec.lo);
    return true;
}

/* The signature of the map: every listening port. */
static bool
sig_all(const struct web_req *rq, const char *rest, uint64_t *sig)
{
    const struct web_local *l = rq->srv->cfg.local;
    (void)rest;
    *sig = l->all_sig(l->arg);
    return true;
}

/* ---- names ---- */

static void
r_name(const struct web_req *rq, const char *rest, struct web_reply *r)
{
    struct pk_buf body;
    if (*rest == '\0' || strlen(rest) > QUERY_MAX) {
        web_not_found(rq, 0, rest, *rest ? "too long for a service name" : "no name given", r);
        return;
    }
    pk_buf_init(&body, WEB_BODY_MAX);
    struct pk_out o = out_for(rq, &body);
    int n = pk_out_name_html(&o, rest);
    char title[300];
    snprintf(title, sizeof(title), "Service %s", rest);
    web_page(rq, r, n > 0 ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND, title, NULL, &body);
    pk_buf_free(&body);
}

static void
r_api_name(const struct web_req *rq, const char *rest, struct web_reply *r)
{
    struct pk_cursor c;
    struct pk_record rec;
    if (*rest == '\0' || strlen(rest) > QUERY_MAX ||
        pk_name_lookup(rq->srv->cfg.reg, rest, &c) == 0) {
        web_not_found(rq, R_JSON, rest, *rest ? "no such service name" : "no name given", r);
        return;
    }
    reply_init(r, MHD_HTTP_OK, JSON_TYPE);
    struct pk_out o = out_for(rq, &r->body);
    pk_buf_putc(&r->body, '[');
    for (bool first = true; pk_cursor_next(&c, &rec); first = false) {
        if (!first)
            pk_buf_putc(&r->body, ',');
        pk_out_record_json(&o, &rec, 0);
    }
    pk_buf_puts(&r->body, "]\n");
}

/* ---- search ---- */

/* Runs the search of the request's q. Returns the number of results (total in *total),
 * or -1 after filling r with the error. */
static int
run_search(const struct web_req *rq, unsigned flags, struct pk_search_result **res, int *total,
           struct web_reply *r)
{
    const char *q = web_arg(rq, "q"), *lim = web_arg(rq, "limit");
    size_t limit = WEB_SEARCH_DEFAULT;
    if (lim) {
        char *end;
        unsigned long v = strtoul(lim, &end, 10);
        if (*lim < '0' || *lim > '9' || *end || v < 1 || v > WEB_SEARCH_MAX) {
            bad_request(rq, flags, lim, "limit must be a number from 1 to 500", r);
            return -1;
        }
        limit = v;
    }
    if (!q || strspn(q, " \t") == strlen(q) || strlen(q) > QUERY_MAX) {
        bad_request(rq, flags, q ? q : "",
                    q && *q && strlen(q) > QUERY_MAX ? "a query is at most 255 bytes"
                                                     : "no search term given",
                    r);
        return -1;
    }
    *res = malloc(limit * sizeof(**res));
    if (!*res) {
        reply_init(r, MHD_HTTP_OK, HTML_TYPE);
        r->body.err = PK_ENOMEM;
        return -1;
    }
    const char *terms[1] = {q};
    *total = pk_search_ports(rq->srv->cfg.reg, terms, 1, *res, limit);
    if (*total < 0) {
        free(*res);
        bad_request(rq, flags, q, pk_strerror(*total), r);
        return -1;
    }
    return *total < (int)limit ? *total : (int)limit;
}

static void
r_search(const struct web_req *rq, const char *rest, struct web_reply *r)
{
    struct pk_search_result *res;
    int total;
    const char *q = web_arg(rq, "q");
    (void)rest;
    if (!q || !*q) {
        /* The search box alone. */
        struct pk_buf body;
        pk_buf_init(&body, 1u << 16);
        pk_buf_puts(&body, "<h1>Search</h1>\n<p>Search port numbers, service names and what "
                           "the registry and the notes say: <code>printer</code>, "
                           "<code>secure shell</code>, <code>8080</code>.</p>\n");
        web_page(rq, r, MHD_HTTP_OK, "Search", NULL, &body);
        pk_buf_free(&body);
        return;
    }
    int n = run_search(rq, 0, &res, &total, r);
    if (n < 0)
        return;
    struct pk_buf body;
    pk_buf_init(&body, WEB_BODY_MAX);
    struct pk_out o = out_for(rq, &body);
    pk_buf_puts(&body, "<h1>Search: ");
    pk_buf_html_str(&body, q);
    pk_buf_puts(&body, "</h1>\n");
    if (total == 0)
        pk_buf_puts(&body, "<p class=\"summary\">Nothing matches.</p>\n");
    else if (n < total)
        pk_buf_printf(&body, "<p class=\"summary\">The best %d of %d results.</p>\n", n, total);
    else
        pk_buf_printf(&body, "<p class=\"summary\">%d result%s, best first.</p>\n", total,
                      total == 1 ? "" : "s");
    pk_buf_puts(&body, "<ol class=\"results\">\n");
    for (int i = 0; i < n; i++)
        pk_out_search_html(&o, &res[i]);
    pk_buf_puts(&body, "</ol>\n");
    free(res);
    char title[300];
    snprintf(title, sizeof(title), "Search: %s", q);
    web_page(rq, r, MHD_HTTP_OK, title, NULL, &body);
    r->body.err = r->body.err ? r->body.err : body.err;
    pk_buf_free(&body);
}

static void
r_api_search(const struct web_req *rq, const char *rest, struct web_reply *r)
{
    struct pk_search_result *res;
    int total;
    (void)rest;
    int n = run_search(rq, R_JSON, &res, &total, r);
    if (n < 0)
        return;
    reply_init(r, MHD_HTTP_OK, JSON_TYPE);
    struct pk_out o = out_for(rq, &r->body);
    pk_buf_puts(&r->body, "{\"query\":");
    pk_buf_json_str(&r->body, web_arg(rq, "q"));
    pk_buf_printf(&r->body, ",\"total\":%d,\"results\":[", total);
    for (int i = 0; i < n; i++) {
        if (i)
            pk_buf_putc(&r->body, ',');
        pk_out_search_json(&o, &res[i]);
    }
    pk_buf_puts(&r->body, "]}\n");
    free(res);
}

/* ---- the home page ---- */

/* The everyday ports: the popularity prior's top ones, else IANA's best known. */
static size_t
everyday(const struct pk_registry *reg, unsigned *ports, size_t max)
{
    static const unsigned fixed[] = {20,  21,  22,  23,   25,   53,   67,   80,  110,
                                     119, 123, 143, 161,  194,  389,  443,  465, 587,
                                     631, 993, 995, 3306, 3389, 5432, 8080, 8443};
    int score[32] = {0};
    size_t n = 0;
    for (unsigned p = 0; p <= PK_PORT_MAX; p++) {
        int w = pk_port_prior(reg, p, PK_PROTO_ALL);
        if (w <= 0 || (n == max && w <= score[n - 1]))
            continue;
        size_t at = n < max ? n++ : max - 1;
        while (at > 0 && score[at - 1] < w) {
            score[at] = score[at - 1];
            ports[at] = ports[at - 1];
            at--;
        }
        score[at] = w;
        ports[at] = p;
    }
    if (n)
        return n;
    for (; n < max && n < sizeof(fixed) / sizeof(fixed[0]); n++)
        ports[n] = fixed[n];
    return n;
}

static void
r_home(const struct web_req *rq, const char *rest, struct web_reply *r)
{
    const struct pk_registry *reg = rq->srv->cfg.reg;
    struct pk_buf body;
    unsigned ports[26];
    (void)rest;
    pk_buf_init(&body, 1u << 20);
    pk_buf_puts(&body,
                "<h1>Port numbers</h1>\n<p class=\"summary\">Every port and protocol IANA "
                "assigns, the unofficial uses and history of ports, and who listens on them "
                "here, computed from portkit's registry.</p>\n"
                "<form class=\"search big\" action=\"/search\" method=\"get\" role=\"search\">"
                "<input type=\"search\" name=\"q\" placeholder=\"printer, ssh, 8080\" "
                "aria-label=\"Search\" maxlength=\"255\"><button type=\"submit\">Search"
                "</button></form>\n<h2>The three ranges</h2>\n<ul class=\"ranges\">\n"
                "<li><a href=\"/range/0-1023\">0-1023</a> <b>system</b> (well-known): assigned "
                "by IANA to standard services; binding them needs privilege on most systems."
                "</li>\n<li><a href=\"/range/1024-49151\">1024-49151</a> <b>user</b> "
                "(registered): registered with IANA by the makers of services.</li>\n"
                "<li><a href=\"/range/49152-65535\">49152-65535</a> <b>dynamic</b> (private, "
                "ephemeral): never assigned; clients' ports are picked from here.</li>\n</ul>\n"
                "<p><a href=\"/map\">The map of all 65,536 ports</a></p>\n"
                "<h2>Everyday ports</h2>\n<ul class=\"everyday\">\n");
    size_t n = everyday(reg, ports, sizeof(ports) / sizeof(ports[0]));
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        for (unsigned p = PK_TCP; !name && p <= PK_DCCP; p <<= 1)
            name = pk_service_name(reg, ports[i], p);
        pk_buf_printf(&body, "<li><a class=\"ports\" href=\"/port/%u\">%u</a> ", ports[i],
                      ports[i]);
        pk_buf_html_str(&body, name ? name : "-");
        pk_buf_puts(&body, "</li>\n");
    }
    pk_buf_puts(&body, "</ul>\n");
    web_page(rq, r, MHD_HTTP_OK, "Port numbers", NULL, &body);
    pk_buf_free(&body);
}

static void
r_api_index(const struct web_req *rq, const char *rest, struct web_reply *r)
{
    (void)rest;
    reply_init(r, MHD_HTTP_OK, JSON_TYPE);
    pk_buf_printf(&r->body,
                  "{\"openapi\":\"/static/openapi.yaml\",\"endpoints\":[\"/api/port/{spec}\","
                  "\"/api/range/{lo}-{hi}\",\"/api/search?q={terms}\",\"/api/name/{name}\","
                  "\"/api/map\",\"/api/map/names\"%s]}\n",
                  rq->srv->cfg.local ? ",\"/api/listening\"" : "");
}

/* ---- this host ---- */

static void
r_local(const struct web_req *rq, const char *rest, struct web_reply *r)
{
    struct pk_buf body;
    (void)rest;
    pk_buf_init(&body, WEB_BODY_MAX);
    struct pk_out o = out_for(rq, &body);
    pk_buf_puts(&body, "<h1>This host</h1>\n<p class=\"summary\">The sockets listening on this "
                       "host now, with the processes that hold them (as portkit ls shows "
                       "them).</p>\n");
    rq->srv->cfg.local->listening_html(rq->srv->cfg.local->arg, &o);
    web_page(rq, r, MHD_HTTP_OK, "This host", NULL, &body);
    r->body.err = r->body.err ? r->body.err : body.err;
    pk_buf_free(&body);
}

static void
r_api_listening(const struct web_req *rq, const char *rest, struct web_reply *r)
{
    (void)rest;
    reply_init(r, MHD_HTTP_OK, JSON_TYPE);
    struct pk_out o = out_for(rq, &r->body);
    rq->srv->cfg.local->listening_json(rq->srv->cfg.local->arg, &o);
    pk_buf_putc(&r->body, '\n');
}

static const struct web_route routes[] = {
    {"/", 0, {NULL}, NULL, r_home},
    {"/search", 0, {"q", "limit"}, NULL, r_search},
    {"/port/", R_PREFIX, {NULL}, sig_port, r_port},
    {"/range/", R_PREFIX, {NULL}, sig_port, r_port},
    {"/name/", R_PREFIX, {NULL}, NULL, r_name},
    {"/map", 0, {"lo", "hi"}, sig_all, web_map_page},
    {"/map.png", 0, {NULL}, sig_all, web_map_png},
    {"/local", R_LOCAL | R_FRESH, {NULL}, NULL, r_local},
    {"/api/", R_JSON, {NULL}, NULL, r_api_index},
    {"/api/port/", R_PREFIX | R_JSON, {NULL}, sig_port, r_api_port},
    {"/api/range/", R_PREFIX | R_JSON, {NULL}, sig_port, r_api_port},
    {"/api/search", R_JSON, {"q", "limit"}, NULL, r_api_search},
    {"/api/name/", R_PREFIX | R_JSON, {NULL}, NULL, r_api_name},
    {"/api/map", R_JSON, {NULL}, sig_all, web_map_bytes},
    {"/api/map/names", R_JSON, {NULL}, NULL, web_map_names},
    {"/api/listening", R_LOCAL | R_JSON | R_FRESH, {NULL}, NULL, r_api_listening},
};

const struct web_route *
web_route_find(const char *path, const char **rest)
{
    const struct web_route *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        const struct web_route *rt = &routes[i];
        size_t n = strlen(rt->path);
        if (rt->flags & R_PREFIX) {
            if (strncmp(path, rt->path, n) == 0 && n > best_len) {
                best = rt;
                best_len = n;
            }
        } else if (strcmp(path, rt->path) == 0) {
            *rest = "";
            return rt;
        }
    }
    if (best)
        *rest = path + best_len;
    return best;
}
