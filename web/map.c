/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The map of the port space: one status byte per port (the registry's status, a known
 * unofficial use, something listening here now), served as bytes for the canvas of
 * web/static/map.js, as a 256x256 PNG and as a grid of links for browsers without
 * JavaScript, with the names of the ports for the canvas's hover.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "assets.h"
#include "portkit/error.h"
#include "web_int.h"

#define NPORTS (PK_PORT_MAX + 1)
#define UNOFFICIAL_WIDE 1024 /* an unofficial use of more ports than this is not drawn */
#define ZOOM_PORTS 1024      /* a view of at most this many ports has a link per port */

/* The kinds the map shows, in the order of the legend's classes c0..c4. */
static const char *const kinds[] = {"unassigned", "reserved", "assigned", "unofficial use",
                                    "listening here"};

/* The kind of a status byte (as web/static/map.js draws it). */
static unsigned
kind_of(uint8_t s)
{
    if (s & WEB_MAP_LISTENING)
        return 4;
    if ((s & 3) == PK_ASSIGNED)
        return 2;
    if (s & WEB_MAP_UNOFFICIAL)
        return 3;
    return (s & 3) == PK_RESERVED ? 1 : 0;
}

static int
mark_unofficial(const struct pk_note *n, void *arg)
{
    uint8_t *map = arg;
    if (n->kind == PK_NOTE_UNOFFICIAL && n->port_hi - n->port_lo < UNOFFICIAL_WIDE)
        for (unsigned p = n->port_lo; p <= n->port_hi; p++)
            map[p] |= WEB_MAP_UNOFFICIAL;
    return 0;
}

int
web_map_build(struct web_server *srv)
{
    const struct pk_registry *reg = srv->cfg.reg;
    srv->map = calloc(NPORTS, 1);
    if (!srv->map)
        return PK_ENOMEM;
    for (unsigned port = 0; port < NPORTS; port++) {
        enum pk_status best = PK_UNASSIGNED;
        for (unsigned p = PK_TCP; p <= PK_DCCP; p <<= 1) {
            enum pk_status st = pk_status_of(reg, port, p);
            if (st > best)
                best = st;
        }
        srv->map[port] = (uint8_t)best;
    }
    pk_notes_for(reg, 0, PK_PORT_MAX, PK_PROTO_ALL, mark_unofficial, srv->map);
    return 0;
}

uint8_t *
web_map_now(const struct web_server *srv)
{
    uint8_t *m = malloc(NPORTS);
    if (!m)
        return NULL;
    memcpy(m, srv->map, NPORTS);
    if (srv->cfg.local)
        srv->cfg.local->listening_bits(srv->cfg.local->arg, m, WEB_MAP_LISTENING);
    return m;
}

void
web_map_bytes(const struct web_req *rq, const char *rest, struct web_reply *r)
{
    (void)rest;
    r->status = MHD_HTTP_OK;
    r->type = "application/octet-stream";
    pk_buf_init(&r->body, NPORTS + 1);
    uint8_t *m = web_map_now(rq->srv);
    if (m)
        pk_buf_put(&r->body, m, NPORTS);
    else
        r->body.err = PK_ENOMEM;
    free(m);
}

/* The name shown for a port: its first assigned name over the protocols, or NULL. */
static const char *
name_of(const struct pk_registry *reg, unsigned port)
{
    const char *name = NULL;
    for (unsigned p = PK_TCP; !name && p <= PK_DCCP; p <<= 1)
        name = pk_service_name(reg, port, p);
    return name;
}

void
web_map_names(const struct web_req *rq, const char *rest, struct web_reply *r)
{
    (void)rest;
    r->status = MHD_HTTP_OK;
    r->type = "application/json; charset=utf-8";
    pk_buf_init(&r->body, WEB_BODY_MAX);
    pk_buf_putc(&r->body, '{');
    bool first = true;
    for (unsigned port = 0; port < NPORTS; port++) {
        const char *name = name_of(rq->srv->cfg.reg, port);
        if (!name)
            continue;
        pk_buf_printf(&r->body, "%s\"%u\":", first ? "" : ",", port);
        pk_buf_json_str(&r->body, name);
        first = false;
    }
    pk_buf_puts(&r->body, "}\n");
}

/* Appends a PNG chunk. */
static void
png_chunk(struct pk_buf *b, const char *type, const void *data, size_t n)
{
    unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                            (unsigned char)(n >> 8), (unsigned char)n};
    pk_buf_put(b, len, 4);
    pk_buf_put(b, type, 4);
    pk_buf_put(b, data, n);
    uLong crc = crc32(crc32(0, (const Bytef *)type, 4), data, (uInt)n);
    unsigned char c[4] = {(unsigned char)(crc >> 24), (unsigned char)(crc >> 16),
                          (unsigned char)(crc >> 8), (unsigned char)crc};
    pk_buf_put(b, c, 4);
}

void
web_map_png(const struct web_req *rq, const char *rest, struct web_reply *r)
{
    /* One pixel per port, 256 ports a row; the legend's colours as a palette. */
    static const unsigned char palette[] = {0xd5, 0xd8, 0xdc, 0xd6, 0x9e, 0x2e, 0x38, 0xa1,
                                            0x69, 0x31, 0x82, 0xce, 0xd5, 0x3f, 0x8c};
    static const unsigned char ihdr[13] = {0, 0, 1, 0, 0, 0, 1, 0, 8, 3, 0, 0, 0};
    (void)rest;
    r->status = MHD_HTTP_OK;
    r->type = "image/png";
    pk_buf_init(&r->body, 1u << 20);
    uint8_t *m = web_map_now(rq->srv);
    unsigned char *raw = malloc(256 * 257);
    uLongf zn = compressBound(256 * 257);
    unsigned char *z = malloc(zn);
    if (!m || !raw || !z) {
        r->body.err = PK_ENOMEM;
        goto out;
    }
    for (unsigned y = 0; y < 256; y++) {
        raw[y * 257] = 0; /* filter: none */
        for (unsigned x = 0; x < 256; x++)
            raw[y * 257 + 1 + x] = (unsigned char)kind_of(m[y * 256 + x]);
    }
    if (compress2(z, &zn, raw, 256 * 257, 9) != Z_OK) {
        r->body.err = PK_ENOMEM;
        goto out;
    }
    pk_buf_put(&r->body, "\x89PNG\r\n\x1a\n", 8);
    png_chunk(&r->body, "IHDR", ihdr, sizeof(ihdr));
    png_chunk(&r->body, "PLTE", palette, sizeof(palette));
    png_chunk(&r->body, "IDAT", z, zn);
    png_chunk(&r->body, "IEND", "", 0);
out:
    free(z);
    free(raw);
    free(m);
}

/* Parses a map bound (decimal, 0-65535). */
static bool
bound(const char *s, unsigned *out)
{
    unsigned long v = 0;
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 5 || strspn(s, "0123456789") != n)
        return false;
    v = strtoul(s, NULL, 10);
    if (v > PK_PORT_MAX)
        return false;
    *out = (unsigned)v;
    return true;
}

/* The grid of links: one per port for a small view, else one per block of 256 ports. */
static void
grid(const struct web_req *rq, struct pk_buf *b, const uint8_t *m, unsigned lo, unsigned hi)
{
    if (hi - lo + 1 <= ZOOM_PORTS) {
        pk_buf_printf(b, "<h2>Ports %u-%u</h2>\n<nav class=\"grid ports\" aria-label=\"Ports\">",
                      lo, hi);
        for (unsigned p = lo; p <= hi; p++) {
            const char *name = name_of(rq->srv->cfg.reg, p);
            unsigned k = kind_of(m[p]);
            pk_buf_printf(b, "<a class=\"c%u\" href=\"/port/%u\" title=\"%u ", k, p, p);
            pk_buf_html_str(b, name ? name : "");
            pk_buf_printf(b, " (%s)\">%u</a>", kinds[k], p);
        }
        pk_buf_puts(b, "</nav>\n");
        return;
    }
    pk_buf_puts(b, "<h2>By block of 256 ports</h2>\n<nav class=\"grid\" aria-label=\"Blocks\">");
    for (unsigned a = lo & ~255u; a <= hi; a += 256) {
        unsigned count[5] = {0};
        for (unsigned p = a; p < a + 256; p++)
            count[kind_of(m[p])]++;
        unsigned k = count[4] ? 4 : 0;
        for (unsigned i = 1; i < 4 && !k; i++)
            if (count[i] >= 26 && (k == 0 || count[i] > count[k]))
                k = i;
        pk_buf_printf(b,
                      "<a class=\"c%u\" href=\"/map?lo=%u&amp;hi=%u\" title=\"%u-%u: %u assigned, "
                      "%u reserved, %u unofficial use%s\">%u</a>",
                      k, a, a + 255, a, a + 255, count[2], count[1], count[3],
                      count[4] ? ", something listening here" : "", a);
    }
    pk_buf_puts(b, "</nav>\n");
}

void
web_map_page(const struct web_req *rq, const char *rest, struct web_reply *r)
{
    const char *slo = web_arg(rq, "lo"), *shi = web_arg(rq, "hi");
    unsigned lo = 0, hi = PK_PORT_MAX;
    (void)rest;
    if ((slo || shi) && !(bound(slo, &lo) && bound(shi, &hi) && lo <= hi)) {
        char input[64];
        snprintf(input, sizeof(input), "%.20s-%.20s", slo ? slo : "", shi ? shi : "");
        web_not_found(rq, 0, input,
                      "a range of the map is two ports from 0 to 65535, the first "
                      "not above the second",
                      r);
        r->status = MHD_HTTP_BAD_REQUEST;
        return;
    }
    struct pk_buf body;
    pk_buf_init(&body, WEB_BODY_MAX);
    uint8_t *m = web_map_now(rq->srv);
    if (!m) {
        r->status = MHD_HTTP_OK;
        pk_buf_init(&r->body, 1);
        r->body.err = PK_ENOMEM;
        return;
    }
    bool whole = lo == 0 && hi == PK_PORT_MAX;
    if (whole)
        pk_buf_puts(&body, "<h1>Map of the port space</h1>\n<p class=\"summary\">All 65,536 "
                           "ports, 256 to a row, port 0 at the top left. Point at a port to see "
                           "its name; a click opens its page.</p>\n");
    else
        pk_buf_printf(&body, "<h1>Map of ports %u-%u</h1>\n", lo, hi);
    pk_buf_puts(&body, "<ul class=\"legend\">");
    for (unsigned k = 0; k < 5; k++)
        if (k < 4 || rq->srv->cfg.local)
            pk_buf_printf(&body, "<li class=\"c%u\">%s</li>", k, kinds[k]);
    pk_buf_printf(&body,
                  "</ul>\n<form class=\"zoom\" action=\"/map\" method=\"get\">Zoom to ports "
                  "<input name=\"lo\" inputmode=\"numeric\" value=\"%u\" aria-label=\"From\"> "
                  "to <input name=\"hi\" inputmode=\"numeric\" value=\"%u\" aria-label=\"To\"> "
                  "<button type=\"submit\">Zoom</button> <a href=\"/map\">the whole space</a>"
                  "</form>\n<div class=\"map-wrap\" id=\"map\" data-lo=\"%u\" data-hi=\"%u\">",
                  lo, hi, lo, hi);
    if (whole)
        pk_buf_puts(&body, "<img src=\"/map.png\" width=\"256\" height=\"256\" alt=\"The port "
                           "space, 256 ports to a row, coloured by status\">");
    pk_buf_puts(&body, "</div>\n");
    grid(rq, &body, m, lo, hi);
    free(m);
    const struct web_asset *js = web_asset_find(web_statics, "map.js");
    char head[128];
    snprintf(head, sizeof(head), "<script src=\"/static/map.js?v=%.16s\" defer></script>",
             js ? js->etag + 1 : "");
    web_page(rq, r, MHD_HTTP_OK, whole ? "Map" : "Map of ports", head, &body);
    r->body.err = r->body.err ? r->body.err : body.err;
    pk_buf_free(&body);
}
