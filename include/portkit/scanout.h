/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_SCANOUT_H
#define PORTKIT_SCANOUT_H

/*
 * The scanner's output layer: serializers of a scan result (one port of one host), a host's
 * summary (what pk_scan_agg_host() adds up) and the run's summary, as JSON
 * (docs/schema/scan-result.json, scan-host.json, scan-summary.json), text and HTML, and in
 * the formats other tools read: nmap's XML (valid against nmap.dtd, read by ndiff and
 * python-libnmap) and nmap's grepable format.
 *
 * A scan report (struct pk_scan_report) puts them together for a program: it is fed the
 * results as they come and writes them to every output it was given: JSON lines at once,
 * each host (text, XML, grepable) as soon as the host is complete, and at the end the
 * hosts left and the run's summary, marked as interrupted when the scan was cut short, so
 * that every output is complete and valid whenever the scan stops. Like every serializer it
 * appends to the pk_buf of each output and never writes to a file itself: the caller drains
 * the buffers (after each call, or when they grow).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "portkit/out.h"
#include "portkit/scan.h"
#include "portkit/common.h"

PK_BEGIN_DECLS

/* pk_out flag of the scan serializers: a REASON column in the port table (nmap --reason). */
#define PK_OUT_SCAN_REASON 0x100u

/* ---- One result ---- */

/*
 * Writes result r as a JSON object (docs/schema/scan-result.json): address, hostname (when
 * the target was named), port, protocol, state, reason, service (the registry's name, or
 * null), notes (the project's notes on unofficial uses of the port, narrow ranges only, for
 * open ports; else empty), attempts, and rtt_us when there was an answer.
 */
PK_API void pk_out_scan_result_json(const struct pk_out *o, const struct pk_scan_result *r);

/* Appends result r as one line of text, without its newline: "open port 22/tcp on NAME
 * (ADDRESS)" (what -v shows as open ports are found). */
PK_API void pk_out_scan_result_text(const struct pk_out *o, const struct pk_scan_result *r);

/*
 * The columns of a host's port table: PORT STATE SERVICE REASON UNOFFICIAL USE. REASON is
 * filled only with PK_OUT_SCAN_REASON (an empty column is not shown); UNOFFICIAL USE
 * shrinks to fit a terminal.
 */
PK_API const struct pk_col *pk_out_scan_cols(size_t *ncols);

/*
 * Adds listed port p of a host as a row of a port table made with pk_out_scan_cols(): the
 * port, its state (styled), the registry's name ("unknown" for none), the reason when
 * o->flags has PK_OUT_SCAN_REASON, and for an open port its first unofficial use (all of
 * them, joined by "; ", with PK_OUT_VERBOSE). Returns 0 or a negative pk_errno.
 */
PK_API int pk_out_scan_port_row(struct pk_table *t, const struct pk_out *o,
                                const struct pk_scan_port *p);

/* Appends listed port p as an HTML <tr> of the same columns. */
PK_API void pk_out_scan_port_html(const struct pk_out *o, const struct pk_scan_port *p);

/* ---- One host ---- */

/*
 * Writes host tg's summary h as a JSON object (docs/schema/scan-host.json): address,
 * hostname, the counts by state, the listed ports, the ports not listed by state and
 * reason, and the round-trip times.
 */
PK_API void pk_out_scan_host_json(const struct pk_out *o, const struct pk_target *tg,
                                  const struct pk_scan_host *h);

/*
 * Appends host tg's summary h as a block of text: "scan report for NAME (ADDRESS)", a "Not
 * shown:" line per state not listed, the port table when ports are listed, and a blank
 * line. Returns 0 or a negative pk_errno.
 */
PK_API int pk_out_scan_host_text(const struct pk_out *o, const struct pk_target *tg,
                                 const struct pk_scan_host *h);

/* Appends host tg's summary h as an HTML <section> with its port table. */
PK_API void pk_out_scan_host_html(const struct pk_out *o, const struct pk_target *tg,
                                  const struct pk_scan_host *h);

/* ---- The run ---- */

/* What a report says about the whole run. */
struct pk_scan_run {
    const char *args;    /* the command line, for the record (nmap formats); may be NULL */
    const char *version; /* of the program */
    time_t start, end;
    const struct pk_portset *ports; /* the TCP ports scanned */
    uint64_t hosts;                 /* in the target list */
    uint64_t hosts_reported;        /* written to the report (pk_out_nmap_*_end()) */
    struct pk_scan_stats st;        /* the job's final counters */
    uint64_t seed;
    unsigned shard_k, shard_n; /* 0/0 for all */
    const char *interrupted;   /* NULL, or why the scan stopped early ("SIGINT") */
};

/*
 * Writes run's summary as a JSON object {"summary": {...}} (docs/schema/scan-summary.json):
 * hosts, ports, pairs, done, the counts by state, probes, retransmissions, loss, elapsed,
 * seed, shard and shards when sharded, interrupted.
 */
PK_API void pk_out_scan_summary_json(const struct pk_out *o, const struct pk_scan_run *run);

/* Appends run's summary as one line of text with its newline: "scanned 1 host, 1000 ports
 * in 0.12 s: ...", or "interrupted (SIGINT) after 1 host, 400 of 1000 ports ...". */
PK_API void pk_out_scan_summary_text(const struct pk_out *o, const struct pk_scan_run *run);

/* Appends run's summary as an HTML paragraph of class "scan-summary". */
PK_API void pk_out_scan_summary_html(const struct pk_out *o, const struct pk_scan_run *run);

/* Appends the progress of a running scan as one line of text, without a line end: done,
 * total, rate, retransmissions, loss, the time to go. */
PK_API void pk_out_scan_progress(const struct pk_out *o, const struct pk_scan_stats *st);

/* ---- nmap's formats ---- */

/*
 * nmap's XML (xmloutputversion 1.05): begin writes the header and scaninfo, host one <host>
 * (its ports with the registry's service names from o->reg), end the runstats: exit
 * "success", or "error" with an errormsg naming run->interrupted.
 */
PK_API void pk_out_nmap_xml_begin(const struct pk_out *o, const struct pk_scan_run *run);
PK_API void pk_out_nmap_xml_host(const struct pk_out *o, const struct pk_target *tg,
                                 const struct pk_scan_host *h, time_t start, time_t end);
PK_API void pk_out_nmap_xml_end(const struct pk_out *o, const struct pk_scan_run *run);

/* nmap's grepable format: a comment line, two lines per host, a closing comment line that
 * says when the scan was interrupted. */
PK_API void pk_out_nmap_grep_begin(const struct pk_out *o, const struct pk_scan_run *run);
PK_API void pk_out_nmap_grep_host(const struct pk_out *o, const struct pk_target *tg,
                                  const struct pk_scan_host *h);
PK_API void pk_out_nmap_grep_end(const struct pk_out *o, const struct pk_scan_run *run);

/* ---- The report ---- */

enum pk_scan_format {
    PK_SCAN_TEXT, /* host blocks and the summary line (the table, nmap's -oN) */
    PK_SCAN_JSON, /* a JSON line per result as it comes, then the summary */
    PK_SCAN_XML,  /* nmap's XML */
    PK_SCAN_GREP, /* nmap's grepable format */
    PK_SCAN_HTML, /* host sections and the summary paragraph */
};

struct pk_scan_report_opts {
    const struct pk_targets *targets; /* the finished list the scan runs on */
    const struct pk_portset *ports;   /* its TCP ports */
    const char *args;                 /* the command line, for the nmap formats */
    const char *version;
    uint64_t seed;
    unsigned shard_k, shard_n; /* as in pk_scan_opts: hosts complete at the end */
    bool open_only;            /* results and hosts with open ports only (nmap --open) */
};

struct pk_scan_report;

/* Makes a report in *out. Returns 0, PK_EINVAL or PK_ENOMEM; free it with
 * pk_scan_report_free(). */
PK_API int pk_scan_report_new(const struct pk_scan_report_opts *opts, struct pk_scan_report **out);
PK_API void pk_scan_report_free(struct pk_scan_report *r);

/*
 * Adds an output in format fmt: o is copied, its buffer o->b must outlive the report, and
 * the caller drains it. At most 8 outputs. Returns 0, PK_EINVAL or PK_ENOBUFS.
 */
PK_API int pk_scan_report_output(struct pk_scan_report *r, enum pk_scan_format fmt,
                                 const struct pk_out *o);

/* Starts every output (the nmap headers); the run starts now. Returns 0. */
PK_API int pk_scan_report_begin(struct pk_scan_report *r);

/*
 * Adds result res: its JSON line, and when it completes its host, the host in every other
 * output (a host's memory is released then). Returns 0 or PK_ENOMEM.
 */
PK_API int pk_scan_report_add(struct pk_scan_report *r, const struct pk_scan_result *res);

/*
 * Ends every output: the hosts not yet written (when interrupted, only those with results),
 * then the summary of st, marked with why when not NULL ("SIGINT"). Returns 0 or PK_ENOMEM.
 */
PK_API int pk_scan_report_end(struct pk_scan_report *r, const struct pk_scan_stats *st,
                              const char *interrupted);

/* Returns the open ports found so far. */
PK_API uint64_t pk_scan_report_open(const struct pk_scan_report *r);

PK_END_DECLS

#endif
