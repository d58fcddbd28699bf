/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_SCAN_OUT_H
#define PORTKIT_SCAN_OUT_H

/*
 * Writers for scan reports in the formats other tools read: nmap's XML (valid against
 * nmap.dtd, read by ndiff and python-libnmap) and nmap's grepable format. They append to a
 * pk_buf; the caller writes it out. A report is begin, one call per host, end.
 */
#include <stdint.h>
#include <time.h>

#include "portkit/buf.h"
#include "portkit/scan.h"

/* A port listed on its own in a host's report. */
struct pk_report_port {
    unsigned port;
    enum pk_port_state state;
    enum pk_scan_reason reason;
    const char *service; /* registry name, or NULL */
};

/* One host's report: its listed ports (sorted) and the counts of those not listed. */
struct pk_report_host {
    const struct pk_target *target;
    const struct pk_report_port *ports;
    size_t nports;
    uint64_t extra[PK_PORT_NSTATES]; /* not listed, by state */
    uint64_t extra_reason[PK_PORT_NSTATES][PK_REASON_COUNT];
    time_t start, end;
    uint32_t srtt_us, rttvar_us, to_us;
};

/* What a report says about the whole run. */
struct pk_report_info {
    const char *args;    /* the command line, for the record */
    const char *version; /* portkit's */
    time_t start, end;
    double elapsed;
    const struct pk_portset *ports;
    uint64_t hosts;
};

void pk_report_xml_begin(struct pk_buf *b, const struct pk_report_info *in);
void pk_report_xml_host(struct pk_buf *b, const struct pk_report_host *h);
void pk_report_xml_end(struct pk_buf *b, const struct pk_report_info *in);

void pk_report_grep_begin(struct pk_buf *b, const struct pk_report_info *in);
void pk_report_grep_host(struct pk_buf *b, const struct pk_report_host *h);
void pk_report_grep_end(struct pk_buf *b, const struct pk_report_info *in);

#endif
