/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Scan reports in nmap's XML (xmloutputversion 1.05, valid against nmap.dtd) and grepable
 * formats. The DTD fixes scanner="nmap"; profile_name says which program wrote the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "portkit/registry.h"
#include "report.h"

/* Writes t as nmap's timestr ("Sun Nov 22 02:15:58 2026"). */
static void
timestr(char *buf, size_t cap, time_t t)
{
    struct tm tm;
    if (!localtime_r(&t, &tm) || !strftime(buf, cap, "%a %b %d %H:%M:%S %Y", &tm))
        snprintf(buf, cap, "%lld", (long long)t);
}

void
pk_report_xml_begin(struct pk_buf *b, const struct pk_report_info *in)
{
    char ts[64], services[1 << 12];
    timestr(ts, sizeof(ts), in->start);
    size_t need = pk_portset_format(in->ports, PK_TCP, services, sizeof(services));
    pk_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n");
    pk_buf_puts(b, "<nmaprun scanner=\"nmap\" profile_name=\"portkit\" args=\"");
    pk_buf_xml_str(b, in->args ? in->args : "");
    pk_buf_printf(b,
                  "\" start=\"%lld\" startstr=\"%s\" version=\"%s\" xmloutputversion=\"1.05\">\n",
                  (long long)in->start, ts, in->version);
    pk_buf_printf(b, "<scaninfo type=\"connect\" protocol=\"tcp\" numservices=\"%zu\" services=\"",
                  pk_portset_count(in->ports, PK_TCP));
    if (need < sizeof(services)) {
        pk_buf_puts(b, services);
    } else {
        /* Too long for the stack copy: format it again into a heap buffer. */
        char *big = malloc(need + 1);
        if (big)
            pk_portset_format(in->ports, PK_TCP, big, need + 1);
        pk_buf_puts(b, big ? big : "");
        free(big);
    }
    pk_buf_puts(b, "\"/>\n<verbose level=\"0\"/>\n<debugging level=\"0\"/>\n");
}

void
pk_report_xml_host(struct pk_buf *b, const struct pk_report_host *h)
{
    char addr[64];
    pk_target_addr_str(h->target, addr, sizeof(addr));
    pk_buf_printf(
        b,
        "<host starttime=\"%lld\" endtime=\"%lld\"><status state=\"up\" "
        "reason=\"user-set\" reason_ttl=\"0\"/>\n<address addr=\"%s\" addrtype=\"%s\"/>\n",
        (long long)h->start, (long long)h->end, addr,
        h->target->family == AF_INET6 ? "ipv6" : "ipv4");
    pk_buf_puts(b, "<hostnames>\n");
    if (h->target->name) {
        pk_buf_puts(b, "<hostname name=\"");
        pk_buf_xml_str(b, h->target->name);
        pk_buf_puts(b, "\" type=\"user\"/>\n");
    }
    pk_buf_puts(b, "</hostnames>\n<ports>");
    for (int s = 0; s < PK_PORT_NSTATES; s++) {
        if (!h->extra[s])
            continue;
        pk_buf_printf(b, "<extraports state=\"%s\" count=\"%llu\">\n",
                      pk_port_state_name((enum pk_port_state)s), (unsigned long long)h->extra[s]);
        for (int r = 0; r < PK_REASON_COUNT; r++)
            if (h->extra_reason[s][r])
                pk_buf_printf(b, "<extrareasons reason=\"%s\" count=\"%llu\" proto=\"tcp\"/>\n",
                              pk_scan_reason_name((enum pk_scan_reason)r),
                              (unsigned long long)h->extra_reason[s][r]);
        pk_buf_puts(b, "</extraports>\n");
    }
    for (size_t i = 0; i < h->nports; i++) {
        const struct pk_report_port *p = &h->ports[i];
        pk_buf_printf(b,
                      "<port protocol=\"tcp\" portid=\"%u\"><state state=\"%s\" reason=\"%s\" "
                      "reason_ttl=\"0\"/>",
                      p->port, pk_port_state_name(p->state), pk_scan_reason_name(p->reason));
        if (p->service) {
            pk_buf_puts(b, "<service name=\"");
            pk_buf_xml_str(b, p->service);
            pk_buf_puts(b, "\" method=\"table\" conf=\"3\"/>");
        }
        pk_buf_puts(b, "</port>\n");
    }
    pk_buf_printf(b, "</ports>\n<times srtt=\"%u\" rttvar=\"%u\" to=\"%u\"/>\n</host>\n",
                  h->srtt_us, h->rttvar_us, h->to_us);
}

void
pk_report_xml_end(struct pk_buf *b, const struct pk_report_info *in)
{
    char ts[64];
    timestr(ts, sizeof(ts), in->end);
    pk_buf_printf(b,
                  "<runstats><finished time=\"%lld\" timestr=\"%s\" summary=\"portkit done at %s; "
                  "%llu IP address%s (%llu host%s up) scanned in %.2f seconds\" elapsed=\"%.2f\" "
                  "exit=\"success\"/><hosts up=\"%llu\" down=\"0\" total=\"%llu\"/>\n"
                  "</runstats>\n</nmaprun>\n",
                  (long long)in->end, ts, ts, (unsigned long long)in->hosts,
                  in->hosts == 1 ? "" : "es", (unsigned long long)in->hosts,
                  in->hosts == 1 ? "" : "s", in->elapsed, in->elapsed,
                  (unsigned long long)in->hosts, (unsigned long long)in->hosts);
}

void
pk_report_grep_begin(struct pk_buf *b, const struct pk_report_info *in)
{
    char ts[64];
    timestr(ts, sizeof(ts), in->start);
    pk_buf_printf(b, "# portkit %s scan initiated %s as: ", in->version, ts);
    for (const char *p = in->args ? in->args : ""; *p; p++)
        pk_buf_putc(b, *p == '\n' || *p == '\r' ? ' ' : *p);
    pk_buf_putc(b, '\n');
}

/* Appends s for a grepable field: the separators / , and tab become a space. */
static void
grep_field(struct pk_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        pk_buf_putc(b, *p == '/' || *p == ',' || *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
}

void
pk_report_grep_host(struct pk_buf *b, const struct pk_report_host *h)
{
    char addr[64];
    pk_target_addr_str(h->target, addr, sizeof(addr));
    pk_buf_printf(b, "Host: %s (", addr);
    if (h->target->name)
        grep_field(b, h->target->name);
    pk_buf_puts(b, ")\tStatus: Up\n");
    pk_buf_printf(b, "Host: %s (", addr);
    if (h->target->name)
        grep_field(b, h->target->name);
    pk_buf_puts(b, ")\tPorts: ");
    for (size_t i = 0; i < h->nports; i++) {
        const struct pk_report_port *p = &h->ports[i];
        pk_buf_printf(b, "%s%u/%s/tcp//", i ? ", " : "", p->port, pk_port_state_name(p->state));
        if (p->service)
            grep_field(b, p->service);
        pk_buf_puts(b, "///");
    }
    /* nmap names the one most common unlisted state. */
    int best = -1;
    for (int s = 0; s < PK_PORT_NSTATES; s++)
        if (h->extra[s] && (best < 0 || h->extra[s] > h->extra[best]))
            best = s;
    if (best >= 0)
        pk_buf_printf(b, "\tIgnored State: %s (%llu)", pk_port_state_name((enum pk_port_state)best),
                      (unsigned long long)h->extra[best]);
    pk_buf_putc(b, '\n');
}

void
pk_report_grep_end(struct pk_buf *b, const struct pk_report_info *in)
{
    char ts[64];
    timestr(ts, sizeof(ts), in->end);
    pk_buf_printf(b,
                  "# portkit done at %s -- %llu IP address%s (%llu host%s up) scanned in %.2f "
                  "seconds\n",
                  ts, (unsigned long long)in->hosts, in->hosts == 1 ? "" : "es",
                  (unsigned long long)in->hosts, in->hosts == 1 ? "" : "s", in->elapsed);
}
