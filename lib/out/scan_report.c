/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A scan's report: results added up per host (lib/scan's aggregate), each host written to
 * every output when its last result comes, and every output ended whenever the scan ends,
 * complete or not. Output goes to the callers' buffers only.
 */
#include <stdlib.h>
#include <string.h>

#include "out_int.h"
#include "portkit/error.h"
#include "scan_int.h"

#define OUTPUTS_MAX 8

struct output {
    enum pk_scan_format fmt;
    struct pk_out o;
};

struct pk_scan_report {
    struct pk_scan_report_opts opts;
    struct pk_scan_agg *agg; /* NULL until an output needs hosts */
    struct output out[OUTPUTS_MAX];
    size_t nout;
    uint64_t open;
    struct pk_scan_run run;
};

int
pk_scan_report_new(const struct pk_scan_report_opts *opts, struct pk_scan_report **out)
{
    if (!opts->targets || !opts->ports)
        return PK_EINVAL;
    struct pk_scan_report *r = calloc(1, sizeof(*r));
    if (!r)
        return PK_ENOMEM;
    r->opts = *opts;
    r->run = (struct pk_scan_run){
        .args = opts->args,
        .version = opts->version,
        .ports = opts->ports,
        .hosts = pk_targets_count(opts->targets),
        .seed = opts->seed,
        .shard_k = opts->shard_k,
        .shard_n = opts->shard_n,
    };
    *out = r;
    return 0;
}

void
pk_scan_report_free(struct pk_scan_report *r)
{
    if (!r)
        return;
    pk_scan_agg_free(r->agg);
    free(r);
}

int
pk_scan_report_output(struct pk_scan_report *r, enum pk_scan_format fmt, const struct pk_out *o)
{
    if ((unsigned)fmt > PK_SCAN_HTML || !o->b)
        return PK_EINVAL;
    if (r->nout == OUTPUTS_MAX)
        return PK_ENOBUFS;
    if (fmt != PK_SCAN_JSON && !r->agg) {
        /* Hosts are complete after their ports' results, unless a shard has some of them. */
        struct pk_scan_agg_opts ao = {
            .open_only = r->opts.open_only,
            .per_host = r->opts.shard_n ? 0 : pk_portset_count(r->opts.ports, PK_TCP),
        };
        int rc = pk_scan_agg_new(r->run.hosts, &ao, &r->agg);
        if (rc < 0)
            return rc;
    }
    r->out[r->nout++] = (struct output){fmt, *o};
    return 0;
}

int
pk_scan_report_begin(struct pk_scan_report *r)
{
    r->run.start = time(NULL);
    for (size_t i = 0; i < r->nout; i++) {
        const struct output *out = &r->out[i];
        if (out->fmt == PK_SCAN_XML)
            pk_out_nmap_xml_begin(&out->o, &r->run);
        else if (out->fmt == PK_SCAN_GREP)
            pk_out_nmap_grep_begin(&out->o, &r->run);
    }
    return 0;
}

/* Writes host to every output but JSON, then releases it. Returns 0 or a negative pk_errno. */
static int
write_host(struct pk_scan_report *r, uint64_t host, const struct pk_scan_host *sh)
{
    struct pk_target tg;
    int rc = pk_targets_get(r->opts.targets, host, &tg);
    if (rc < 0)
        return rc;
    time_t now = time(NULL);
    for (size_t i = 0; i < r->nout && rc == 0; i++) {
        const struct output *out = &r->out[i];
        switch (out->fmt) {
        case PK_SCAN_TEXT:
            if (!r->opts.open_only || sh->count[PK_PORT_OPEN])
                rc = pk_out_scan_host_text(&out->o, &tg, sh);
            break;
        case PK_SCAN_HTML:
            if (!r->opts.open_only || sh->count[PK_PORT_OPEN])
                pk_out_scan_host_html(&out->o, &tg, sh);
            break;
        case PK_SCAN_XML:
            pk_out_nmap_xml_host(&out->o, &tg, sh, r->run.start, now);
            break;
        case PK_SCAN_GREP:
            pk_out_nmap_grep_host(&out->o, &tg, sh);
            break;
        case PK_SCAN_JSON:
            break;
        }
    }
    r->run.hosts_reported++;
    pk_scan_agg_release(r->agg, host);
    return rc;
}

int
pk_scan_report_add(struct pk_scan_report *r, const struct pk_scan_result *res)
{
    bool open = res->state == PK_PORT_OPEN;
    r->open += open;
    for (size_t i = 0; i < r->nout; i++)
        if (r->out[i].fmt == PK_SCAN_JSON && (open || !r->opts.open_only)) {
            pk_out_scan_result_json(&r->out[i].o, res);
            pk_buf_putc(r->out[i].o.b, '\n');
        }
    if (!r->agg)
        return 0;
    int rc = pk_scan_agg_add(r->agg, res);
    if (rc != PK_SCAN_HOST_DONE)
        return rc == PK_ENOENT ? 0 : rc;
    struct pk_scan_host sh;
    rc = pk_scan_agg_host(r->agg, res->host, &sh);
    return rc < 0 ? rc : write_host(r, res->host, &sh);
}

int
pk_scan_report_end(struct pk_scan_report *r, const struct pk_scan_stats *st,
                   const char *interrupted)
{
    int rc = 0;
    /* The hosts left: those of a shard, or those an interruption cut short. */
    for (uint64_t h = 0; r->agg && h < r->run.hosts && rc == 0; h++) {
        struct pk_scan_host sh;
        if (pk_scan_agg_released(r->agg, h))
            continue;
        rc = pk_scan_agg_host(r->agg, h, &sh);
        if (rc < 0)
            break;
        if (interrupted &&
            sh.count[PK_PORT_OPEN] + sh.count[PK_PORT_CLOSED] + sh.count[PK_PORT_FILTERED] == 0)
            continue;
        rc = write_host(r, h, &sh);
    }
    r->run.end = time(NULL);
    r->run.st = *st;
    r->run.interrupted = interrupted;
    for (size_t i = 0; i < r->nout; i++) {
        const struct output *out = &r->out[i];
        switch (out->fmt) {
        case PK_SCAN_TEXT:
            pk_out_scan_summary_text(&out->o, &r->run);
            break;
        case PK_SCAN_HTML:
            pk_out_scan_summary_html(&out->o, &r->run);
            break;
        case PK_SCAN_JSON:
            pk_out_scan_summary_json(&out->o, &r->run);
            pk_buf_putc(out->o.b, '\n');
            break;
        case PK_SCAN_XML:
            pk_out_nmap_xml_end(&out->o, &r->run);
            break;
        case PK_SCAN_GREP:
            pk_out_nmap_grep_end(&out->o, &r->run);
            break;
        }
    }
    return rc;
}

uint64_t
pk_scan_report_open(const struct pk_scan_report *r)
{
    return r->open;
}
