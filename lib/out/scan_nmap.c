/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Scan reports in nmap's XML (xmloutputversion 1.05, valid against nmap.dtd) and grepable
 * formats, written from the library's host summaries. The DTD fixes scanner="nmap";
 * profile_name says which program wrote the file. An interrupted scan ends as nmap ends a
 * failed one: runstats with exit="error" and an errormsg.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "out_int.h"
#include "scan_int.h"

void
pk__scan_timestr(char *buf, size_t cap, time_t t)
{
    struct tm tm;
    if (!localtime_r(&t, &tm) || !strftime(buf, cap, "%a %b %d %H:%M:%S %Y", &tm))
        snprintf(buf, cap, "%lld", (long long)t);
}

void
pk_out_nmap_xml_begin(const struct pk_out *o, const struct pk_scan_run *run)
{
    struct pk_buf *b = o->b;
    char ts[64], services[1 << 12];
    pk__scan_timestr(ts, sizeof(ts), run->start);
    size_t need = pk_portset_format(run->ports, PK_TCP, services, sizeof(services));
    pk_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n");
    pk_buf_puts(b, "<nmaprun scanner=\"nmap\" profile_name=\"portkit\" args=\"");
    pk_buf_xml_str(b, run->args ? run->args : "");
    pk_buf_printf(b, "\" start=\"%lld\" startstr=\"%s\" version=\"", (long long)run->start, ts);
    pk_buf_xml_str(b, run->version ? run->version : "");
    pk_buf_printf(b,
                  "\" xmloutputversion=\"1.05\">\n<scaninfo type=\"connect\" protocol=\"tcp\" "
                  "numservices=\"%zu\" services=\"",
                  pk_portset_count(run->ports, PK_TCP));
    if (need < sizeof(services)) {
        pk_buf_puts(b, services);
    } else {
        /* Too long for the stack copy: format it again into a heap buffer. */
        char *big = malloc(need + 1);
        if (big)
            pk_portset_format(run->ports, PK_TCP, big, need + 1);
        pk_buf_puts(b, big ? big : "");
        free(big);
    }
    pk_buf_puts(b, "\"/>\n<verbose level=\"0\"/>\n<debugging level=\"0\"/>\n");
}

void
pk_out_nmap_xml_host(const struct pk_out *o, const struct pk_target *tg,
                     const struct pk_scan_host *h, time_t start, time_t end)
{
    struct pk_buf *b = o->b;
    char addr[64];
    pk_target_addr_str(tg, addr, sizeof(addr));
    pk_buf_printf(
        b,
        "<host starttime=\"%lld\" endtime=\"%lld\"><status state=\"up\" "
        "reason=\"user-set\" reason_ttl=\"0\"/>\n<address addr=\"%s\" addrtype=\"%s\"/>\n",
        (long long)start, (long long)end, addr, tg->family == AF_INET6 ? "ipv6" : "ipv4");
    pk_buf_puts(b, "<hostnames>\n");
    if (tg->name) {
        pk_buf_puts(b, "<hostname name=\"");
        pk_buf_xml_str(b, tg->name);
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
        const struct pk_scan_port *p = &h->ports[i];
        pk_buf_printf(b,
                      "<port protocol=\"tcp\" portid=\"%u\"><state state=\"%s\" reason=\"%s\" "
                      "reason_ttl=\"0\"/>",
                      p->port, pk_port_state_name(p->state), pk_scan_reason_name(p->reason));
        const char *svc = pk_service_name(o->reg, p->port, PK_TCP);
        if (svc) {
            pk_buf_puts(b, "<service name=\"");
            pk_buf_xml_str(b, svc);
            pk_buf_puts(b, "\" method=\"table\" conf=\"3\"/>");
        }
        pk_buf_puts(b, "</port>\n");
    }
    pk_buf_printf(b, "</ports>\n<times srtt=\"%u\" rttvar=\"%u\" to=\"%u\"/>\n</host>\n",
                  h->srtt_us, h->rttvar_us, h->to_us);
}

/* Appends "1 IP address (1 host up) scanned in 0.12 seconds". */
static void
hosts_scanned(struct pk_buf *b, const struct pk_scan_run *run)
{
    unsigned long long n = (unsigned long long)run->hosts_reported;
    pk_buf_printf(b, "%llu IP address%s (%llu host%s up) scanned in %.2f seconds", n,
                  n == 1 ? "" : "es", n, n == 1 ? "" : "s", run->st.elapsed);
}

void
pk_out_nmap_xml_end(const struct pk_out *o, const struct pk_scan_run *run)
{
    struct pk_buf *b = o->b;
    char ts[64];
    pk__scan_timestr(ts, sizeof(ts), run->end);
    pk_buf_printf(b,
                  "<runstats><finished time=\"%lld\" timestr=\"%s\" summary=\"portkit %s at %s; ",
                  (long long)run->end, ts, run->interrupted ? "interrupted" : "done", ts);
    hosts_scanned(b, run);
    pk_buf_printf(b, "\" elapsed=\"%.2f\" exit=\"%s\"", run->st.elapsed,
                  run->interrupted ? "error" : "success");
    if (run->interrupted) {
        pk_buf_puts(b, " errormsg=\"Interrupted by ");
        pk_buf_xml_str(b, run->interrupted);
        pk_buf_printf(b, " after %llu of %llu ports\"", (unsigned long long)run->st.done,
                      (unsigned long long)run->st.total);
    }
    pk_buf_printf(b, "/><hosts up=\"%llu\" down=\"0\" total=\"%llu\"/>\n</runstats>\n</nmaprun>\n",
                  (unsigned long long)run->hosts_reported, (unsigned long long)run->hosts_reported);
}

/* Appends s for a grepable line: control characters become a space, and so do the field
 * separators / and , when field. */
static void
grep_text(struct pk_buf *b, const char *s, bool field)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        pk_buf_putc(b, *p < 0x20 || *p == 0x7f || (field && (*p == '/' || *p == ',')) ? ' '
                                                                                      : (char)*p);
}

void
pk_out_nmap_grep_begin(const struct pk_out *o, const struct pk_scan_run *run)
{
    char ts[64];
    pk__scan_timestr(ts, sizeof(ts), run->start);
    pk_buf_printf(o->b, "# portkit %s scan initiated %s as: ", run->version ? run->version : "",
                  ts);
    grep_text(o->b, run->args ? run->args : "", false);
    pk_buf_putc(o->b, '\n');
}

void
pk_out_nmap_grep_host(const struct pk_out *o, const struct pk_target *tg,
                      const struct pk_scan_host *h)
{
    struct pk_buf *b = o->b;
    char addr[64];
    pk_target_addr_str(tg, addr, sizeof(addr));
    for (int line = 0; line < 2; line++) {
        pk_buf_printf(b, "Host: %s (", addr);
        if (tg->name)
            grep_text(b, tg->name, true);
        pk_buf_puts(b, line == 0 ? ")\tStatus: Up\n" : ")\tPorts: ");
    }
    for (size_t i = 0; i < h->nports; i++) {
        const struct pk_scan_port *p = &h->ports[i];
        pk_buf_printf(b, "%s%u/%s/tcp//", i ? ", " : "", p->port, pk_port_state_name(p->state));
        const char *svc = pk_service_name(o->reg, p->port, PK_TCP);
        if (svc)
            grep_text(b, svc, true);
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
pk_out_nmap_grep_end(const struct pk_out *o, const struct pk_scan_run *run)
{
    char ts[64];
    pk__scan_timestr(ts, sizeof(ts), run->end);
    if (run->interrupted) {
        pk_buf_puts(o->b, "# portkit interrupted by ");
        grep_text(o->b, run->interrupted, false);
        pk_buf_printf(o->b, " at %s -- ", ts);
    } else {
        pk_buf_printf(o->b, "# portkit done at %s -- ", ts);
    }
    hosts_scanned(o->b, run);
    pk_buf_putc(o->b, '\n');
}
