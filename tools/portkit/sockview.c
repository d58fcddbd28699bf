/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Socket tables for ls, who and free: one list from the kernel, owners from /proc, service
 * names from the registry; text as aligned columns, JSON as one object per socket.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portkit/error.h"
#include "sockview.h"

const char *
sv_service(const struct cli *cli, unsigned port, unsigned proto)
{
    struct pk_cursor c;
    struct pk_record r;
    if (pk_lookup(cli->reg, port, proto, &c) <= 0)
        return NULL;
    while (pk_cursor_next(&c, &r))
        if (r.status == PK_ASSIGNED && r.service[0])
            return r.service;
    return NULL;
}

int
sv_netns(const struct cli *cli, const char *cmd, const char *spec)
{
    int rc = pk_netns_enter(spec, cli->procroot);
    if (rc == 0)
        return 0;
    if (rc == PK_EINVAL || rc == PK_ENOENT) {
        cli_err("%s: --netns '%s': %s", cmd, spec,
                rc == PK_EINVAL ? "not a namespace name or process id"
                                : "no such network namespace (/run/netns/NAME or a pid)");
        return EXIT_USAGE;
    }
    cli_err("%s: --netns '%s': %s%s", cmd, spec, pk_strerror(rc),
            rc == PK_EPERM ? " (entering a namespace needs root)" : "");
    return EXIT_RUNTIME;
}

/* Display order: protocol, port, listeners first, family, address, peer. (qsort_r) */
static int
cmp_sock(const void *a, const void *b, void *base)
{
    const struct pk_sock *socks = base;
    const struct pk_sock *x = &socks[*(const size_t *)a], *y = &socks[*(const size_t *)b];
    bool lx = x->state == PK_SS_LISTEN || (x->proto == PK_UDP && x->state == PK_SS_CLOSE);
    bool ly = y->state == PK_SS_LISTEN || (y->proto == PK_UDP && y->state == PK_SS_CLOSE);
    int d;
    if (x->proto != y->proto)
        return x->proto < y->proto ? -1 : 1;
    if (x->local_port != y->local_port)
        return x->local_port < y->local_port ? -1 : 1;
    if (lx != ly)
        return lx ? -1 : 1;
    if (x->family != y->family)
        return x->family < y->family ? -1 : 1;
    if ((d = memcmp(x->local, y->local, 16)) != 0)
        return d;
    if ((d = memcmp(x->remote, y->remote, 16)) != 0)
        return d;
    if (x->remote_port != y->remote_port)
        return x->remote_port < y->remote_port ? -1 : 1;
    return x->inode < y->inode ? -1 : x->inode > y->inode;
}

int
sv_finish(struct cli *cli, bool no_owners, struct sockview *v)
{
    v->order = malloc((v->list.n ? v->list.n : 1) * sizeof(*v->order));
    v->group = malloc((v->list.n ? v->list.n : 1) * sizeof(*v->group));
    v->listening = calloc(1, sizeof(*v->listening));
    uint64_t *inodes = malloc((v->list.n ? v->list.n : 1) * sizeof(*inodes));
    if (!v->order || !v->group || !v->listening || !inodes ||
        pk_sock_groups(&v->list, v->group, NULL) < 0) {
        free(inodes);
        cli_err("%s", pk_strerror(PK_ENOMEM));
        return EXIT_RUNTIME;
    }
    for (size_t i = 0; i < v->list.n; i++) {
        v->order[i] = i;
        inodes[i] = v->list.socks[i].inode;
    }
    qsort_r(v->order, v->list.n, sizeof(*v->order), cmp_sock, v->list.socks);
    pk_sock_listening(&v->list, v->listening);
    if (!no_owners && v->list.n) {
        int rc = pk_owners_find(cli->procroot, inodes, v->list.n, 0, &v->owners);
        if (rc < 0)
            v->owners_err = rc;
    }
    free(inodes);
    return 0;
}

/* True when the host is a stand-in (PORTKIT_PROCROOT): its sockets come from its net/ files. */
bool
sv_fake_host(const struct cli *cli)
{
    return strcmp(cli->procroot, "/proc") != 0;
}

int
sv_gather(struct cli *cli, const struct pk_sock_query *q, bool no_owners, struct sockview *v)
{
    struct pk_sock_query fq = *q;
    memset(v, 0, sizeof(*v));
    /* Netlink always answers for the real host; a stand-in /proc is read as text. */
    if (sv_fake_host(cli))
        fq.flags |= PK_SOCKQ_NO_NETLINK;
    int rc = pk_sock_list(&fq, &v->list);
    if (rc < 0) {
        cli_err("reading the socket table: %s", pk_strerror(rc));
        return EXIT_RUNTIME;
    }
    return sv_finish(cli, no_owners, v);
}

void
sv_free(struct sockview *v)
{
    pk_sock_list_free(&v->list);
    pk_owners_free(&v->owners);
    free(v->order);
    free(v->group);
    free(v->listening);
    memset(v, 0, sizeof(*v));
}

/* Says why no process is shown for s, or NULL when its owners are known: a sentence for
 * JSON, or a few words for the table when brief. */
static const char *
unknown_reason(const struct sockview *v, const struct pk_sock *s, size_t nowners, bool brief)
{
    if (nowners)
        return NULL;
    if (s->state == PK_SS_TIME_WAIT)
        return brief ? "(time-wait)" : "TIME-WAIT: closed, no process holds it";
    if (s->state == PK_SS_SYN_RECV || s->state == PK_SS_NEW_SYN_RECV)
        return brief ? "(not accepted yet)"
                     : "handshake in progress: not yet accepted by a process";
    if (s->inode == 0 && (s->state == PK_SS_ESTABLISHED || s->state == PK_SS_CLOSE_WAIT))
        return brief ? "(not accepted yet)"
                     : "in a listener's queue: not yet accepted by a process";
    if (s->inode == 0)
        return brief ? "(orphaned)" : "orphaned: closed by its process, the kernel finishes it";
    if (v->owners_err)
        return brief ? "(unreadable /proc)" : "process table unreadable";
    if (pk_owners_status(&v->owners, s) == PK_OWNER_DENIED)
        return brief ? "(permission denied)"
                     : "permission denied: run as root to see the process holding it";
    return brief ? "(other PID namespace)"
                 : "no process in this PID namespace holds it (another namespace or the kernel)";
}

/* The port of the service end of s (its local port for a listener). */
static unsigned
service_port(struct cli *cli, const struct sockview *v, const struct pk_sock *s)
{
    return pk_sock_service_end(s, v->listening, cli_host(cli)) == PK_END_LOCAL ? s->local_port
                                                                               : s->remote_port;
}

/* True for a socket that waits for others: a TCP listener or an unconnected UDP socket. */
static bool
is_listener(const struct pk_sock *s)
{
    return pk_sock_is_listener(s);
}

/* "4", "6", or "4+6" for a dual-stack wildcard. */
static const char *
ip_versions(const struct pk_sock *s)
{
    return pk_sock_is_dual_stack(s) ? "4+6" : s->family == 4 ? "4" : "6";
}

/* Writes "ADDR:PORT", IPv6 in brackets. (No printf: --all writes this 40,000 times.) */
static void
endpoint_str(struct pk_buf *b, const struct pk_sock *s, bool remote)
{
    char a[64];
    pk_sock_addr_str(s, remote, a, sizeof(a));
    if (s->family == 6)
        pk_buf_putc(b, '[');
    pk_buf_puts(b, a);
    pk_buf_puts(b, s->family == 6 ? "]:" : ":");
    pk_buf_putu(b, remote ? s->remote_port : s->local_port);
}

/* Appends n spaces. */
static void
pad(struct pk_buf *b, size_t n)
{
    static const char spaces[] = "                                                                ";
    while (n > 0) {
        size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
        pk_buf_put(b, spaces, k);
        n -= k;
    }
}

/* The listener warnings of s, or NULL. */
static const char *
warning_of(const struct cli *cli, const struct pk_sock *s)
{
    if (!is_listener(s))
        return NULL;
    if (s->local_port > 0 && s->local_port < 1024 &&
        pk_status_of(cli->reg, s->local_port, s->proto) != PK_ASSIGNED)
        return "system port with no IANA assignment";
    return NULL;
}

/* "all interfaces", "loopback only", or NULL for one address. */
static const char *
scope_of(const struct pk_sock *s)
{
    if (pk_sock_is_wildcard(s))
        return "all interfaces";
    if (pk_sock_is_loopback(s))
        return "loopback only";
    return NULL;
}

/* ---- text table ---- */

enum {
    COL_PROTO,
    COL_IP,
    COL_LOCAL,
    COL_PEER,
    COL_STATE,
    COL_SERVICE,
    COL_PID,
    COL_USER,
    COL_COMMAND,
    COL_UNIT,
    COL_NOTE,
    COL_CMDLINE,
    NCOLS
};

static const char *const col_names[NCOLS] = {"PROTO",   "IP",      "LOCAL", "PEER",
                                             "STATE",   "SERVICE", "PID",   "USER",
                                             "COMMAND", "UNIT",    "NOTE",  "CMDLINE"};

struct table {
    struct pk_buf text; /* every cell, NUL-terminated, escaped */
    uint32_t *cells;    /* nrows * NCOLS offsets into text; UINT32_MAX for empty */
    uint8_t *style;     /* nrows * NCOLS colour classes */
    size_t nrows, cap;
    size_t width[NCOLS];
    uint32_t (*proc_cells)[4]; /* per process: the text of its 4 cells once escaped, or NULL */
};

enum { ST_NONE, ST_GOOD, ST_WARN, ST_BAD, ST_DIM };

/* Display width of escaped UTF-8 text: code points, not bytes. */
static size_t
text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

/* Starts a row with every cell empty. Returns false when out of memory. */
static bool
tbl_row(struct table *t)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        uint32_t *c = realloc(t->cells, cap * NCOLS * sizeof(*c));
        if (!c)
            return false;
        t->cells = c;
        uint8_t *st = realloc(t->style, cap * NCOLS);
        if (!st)
            return false;
        t->style = st;
        t->cap = cap;
    }
    for (size_t i = 0; i < NCOLS; i++) {
        t->cells[t->nrows * NCOLS + i] = UINT32_MAX;
        t->style[t->nrows * NCOLS + i] = ST_NONE;
    }
    t->nrows++;
    return true;
}

/* Sets a cell of the last row; untrusted text is escaped. */
static void
tbl_set(struct table *t, int col, const char *s, bool untrusted, int style)
{
    if (!s || !*s || t->text.len > UINT32_MAX - 4096)
        return;
    size_t off = t->text.len;
    if (untrusted)
        pk_buf_term_str(&t->text, s, true);
    else
        pk_buf_puts(&t->text, s);
    pk_buf_putc(&t->text, '\0');
    if (t->text.err)
        return;
    size_t r = t->nrows - 1;
    t->cells[r * NCOLS + (size_t)col] = (uint32_t)off;
    t->style[r * NCOLS + (size_t)col] = (uint8_t)style;
    size_t w = text_width(t->text.data + off);
    if (w > t->width[col])
        t->width[col] = w;
}

/* Writes v in decimal to buf (16 bytes). */
static void
utoa(char *buf, unsigned v)
{
    char tmp[16];
    size_t n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
}

/* Fills the process columns of the last row with process p (index k). A process holding
 * thousands of sockets is escaped once: its cells are shared between its rows. */
static void
tbl_proc(struct table *t, const struct pk_proc_info *p, size_t k)
{
    static const int cols[4] = {COL_USER, COL_COMMAND, COL_UNIT, COL_CMDLINE};
    char pid[16], cont[24];
    size_t r = t->nrows - 1;
    utoa(pid, (unsigned)p->pid);
    tbl_set(t, COL_PID, pid, false, ST_NONE);
    if (t->proc_cells && t->proc_cells[k][0] != UINT32_MAX - 1) {
        for (int i = 0; i < 4; i++) {
            t->cells[r * NCOLS + (size_t)cols[i]] = t->proc_cells[k][i];
            t->style[r * NCOLS + (size_t)cols[i]] = cols[i] == COL_CMDLINE ? ST_DIM : ST_NONE;
        }
        return;
    }
    tbl_set(t, COL_USER, p->user, true, ST_NONE);
    tbl_set(t, COL_COMMAND, p->comm[0] ? p->comm : "?", true, ST_NONE);
    if (p->container[0]) {
        snprintf(cont, sizeof(cont), "ctr:%.12s", p->container);
        tbl_set(t, COL_UNIT, cont, true, ST_NONE);
    } else {
        tbl_set(t, COL_UNIT, p->unit, true, ST_NONE);
    }
    tbl_set(t, COL_CMDLINE, p->cmdline, true, ST_DIM);
    if (t->proc_cells)
        for (int i = 0; i < 4; i++)
            t->proc_cells[k][i] = t->cells[r * NCOLS + (size_t)cols[i]];
}

/* Adds the rows of one socket, or of a group of listeners on one address (n sockets). */
static void
add_sock(struct cli *cli, struct table *t, struct sockview *v, const size_t *idx, size_t n)
{
    const struct pk_sock *s = &v->list.socks[idx[0]];
    struct pk_buf tmp;
    char note[160];
    pk_buf_init(&tmp, 256);
    if (!tbl_row(t))
        goto out;
    tbl_set(t, COL_PROTO, pk_proto_name(s->proto), false, ST_NONE);
    tbl_set(t, COL_IP, ip_versions(s), false, ST_NONE);
    endpoint_str(&tmp, s, false);
    tbl_set(t, COL_LOCAL, tmp.data, false, ST_NONE);
    if (v->peer && !is_listener(s)) {
        pk_buf_reset(&tmp);
        endpoint_str(&tmp, s, true);
        tbl_set(t, COL_PEER, tmp.data, false, ST_NONE);
    }
    tbl_set(t, COL_STATE, pk_sock_state_name(s->proto, s->state), false,
            is_listener(s) ? ST_GOOD : ST_NONE);
    tbl_set(t, COL_SERVICE, sv_service(cli, service_port(cli, v, s), s->proto), true, ST_NONE);

    /* The note: warnings first, then the scope of a listener, then how many share it. */
    const char *warn = warning_of(cli, s);
    note[0] = '\0';
    if (is_listener(s)) {
        const char *scope = scope_of(s);
        snprintf(note, sizeof(note), "%s%s%s", warn ? warn : "", warn && scope ? "; " : "",
                 scope ? scope : "");
        if (n > 1) {
            size_t len = strlen(note);
            snprintf(note + len, sizeof(note) - len, "%s%zu sockets (SO_REUSEPORT)",
                     len ? "; " : "", n);
        }
    }

    /* Owners of every socket of the group, each process once. */
    size_t shown = 0;
    const struct pk_proc_info *last = NULL;
    for (size_t g = 0; g < n; g++) {
        size_t first, cnt = pk_owners_of(&v->owners, v->list.socks[idx[g]].inode, &first);
        if (v->list.socks[idx[g]].inode == 0)
            cnt = 0;
        for (size_t k = 0; k < cnt; k++) {
            const struct pk_proc_info *p = &v->owners.procs[v->owners.refs[first + k].proc];
            bool seen = false;
            for (size_t h = 0; h < g && !seen; h++) {
                size_t f2, c2 = pk_owners_of(&v->owners, v->list.socks[idx[h]].inode, &f2);
                for (size_t m = 0; m < c2; m++)
                    if (v->owners.refs[f2 + m].proc == v->owners.refs[first + k].proc)
                        seen = true;
            }
            for (size_t m = 0; m < k && !seen; m++)
                seen = v->owners.refs[first + m].proc == v->owners.refs[first + k].proc;
            if (seen || p == last)
                continue;
            if (shown > 0 && !tbl_row(t))
                goto out;
            tbl_proc(t, p, v->owners.refs[first + k].proc);
            last = p;
            shown++;
        }
    }
    if (shown == 0) {
        tbl_set(t, COL_PID, "-", false, ST_NONE);
        /* No process to name: the socket's own user, which the kernel always gives. */
        if (s->inode)
            tbl_set(t, COL_USER, pk_users_name(&v->owners.users, s->uid), true, ST_NONE);
        tbl_set(t, COL_COMMAND, unknown_reason(v, s, 0, true), false, ST_DIM);
    }
    if (note[0]) {
        /* The note belongs to the socket's first line. */
        size_t row = shown ? t->nrows - shown : t->nrows - 1;
        size_t save = t->nrows;
        t->nrows = row + 1;
        tbl_set(t, COL_NOTE, note, false, warn ? ST_BAD : ST_WARN);
        t->nrows = save;
    }
out:
    pk_buf_free(&tmp);
}

/* Colour escape for a style class. */
static const char *
style_sgr(const struct cli *cli, int st)
{
    switch (st) {
    case ST_GOOD:
        return cli_c(cli, C_GREEN);
    case ST_WARN:
        return cli_c(cli, C_YELLOW);
    case ST_BAD:
        return cli_c(cli, C_RED);
    case ST_DIM:
        return cli_c(cli, C_DIM);
    default:
        return "";
    }
}

void
sv_print(struct cli *cli, struct sockview *v, bool bare)
{
    struct table t = {0};
    pk_buf_init(&t.text, (size_t)UINT32_MAX - 8);
    /* UINT32_MAX - 1 marks a process not yet escaped (UINT32_MAX is an empty cell). */
    if (v->owners.nprocs) {
        t.proc_cells = malloc(v->owners.nprocs * sizeof(*t.proc_cells));
        for (size_t k = 0; t.proc_cells && k < v->owners.nprocs; k++)
            t.proc_cells[k][0] = UINT32_MAX - 1;
    }
    for (size_t i = 0; i < NCOLS; i++)
        t.width[i] = strlen(col_names[i]);
    if (!v->peer)
        t.width[COL_PEER] = 0;

    for (size_t i = 0; i < v->list.n;) {
        /* Listeners on one protocol, address and port form one group. */
        const struct pk_sock *s = &v->list.socks[v->order[i]];
        size_t j = i + 1;
        while (is_listener(s) && j < v->list.n) {
            const struct pk_sock *o = &v->list.socks[v->order[j]];
            if (!is_listener(o) || o->proto != s->proto || o->family != s->family ||
                o->local_port != s->local_port || memcmp(o->local, s->local, 16) != 0)
                break;
            j++;
        }
        add_sock(cli, &t, v, v->order + i, j - i);
        i = j;
    }
    if (t.text.err) {
        cli_err("output: %s", pk_strerror(t.text.err));
        goto out;
    }
    /* Columns that nothing uses are dropped, the last shown one is not padded. */
    bool used[NCOLS] = {0};
    for (size_t r = 0; r < t.nrows; r++)
        for (size_t c = 0; c < NCOLS; c++)
            if (t.cells[r * NCOLS + c] != UINT32_MAX)
                used[c] = true;
    used[COL_PEER] = used[COL_PEER] && v->peer;
    int lastcol = -1;
    for (int c = 0; c < NCOLS; c++)
        if (used[c])
            lastcol = c;
    if (!bare) {
        pk_buf_puts(&cli->out, cli_c(cli, C_BOLD));
        for (int c = 0; c <= lastcol; c++) {
            if (!used[c])
                continue;
            pk_buf_puts(&cli->out, col_names[c]);
            if (c != lastcol)
                pad(&cli->out, t.width[c] - strlen(col_names[c]) + 2);
        }
        pk_buf_printf(&cli->out, "%s\n", cli_c(cli, C_RESET));
    }
    for (size_t r = 0; r < t.nrows; r++) {
        /* Trailing empty cells are not padded. */
        int end = -1;
        for (int c = 0; c <= lastcol; c++)
            if (used[c] && t.cells[r * NCOLS + (size_t)c] != UINT32_MAX)
                end = c;
        if (bare)
            pk_buf_puts(&cli->out, "  ");
        for (int c = 0; c <= end; c++) {
            if (!used[c])
                continue;
            uint32_t off = t.cells[r * NCOLS + (size_t)c];
            const char *txt = off == UINT32_MAX ? "" : t.text.data + off;
            int st = t.style[r * NCOLS + (size_t)c];
            const char *sgr = style_sgr(cli, st);
            pk_buf_puts(&cli->out, sgr);
            pk_buf_puts(&cli->out, txt);
            if (*sgr)
                pk_buf_puts(&cli->out, cli_c(cli, C_RESET));
            if (c != end)
                pad(&cli->out, t.width[c] - text_width(txt) + 2);
        }
        pk_buf_putc(&cli->out, '\n');
        if (cli_maybe_flush(cli) < 0)
            goto out;
    }
out:
    pk_buf_free(&t.text);
    free(t.cells);
    free(t.style);
    free(t.proc_cells);
}

/* ---- JSON ---- */

void
sv_json_sock(struct cli *cli, struct pk_json *j, struct sockview *v, size_t i)
{
    const struct pk_sock *s = &v->list.socks[i];
    char a[64];
    pk_json_obj_begin(j);
    pk_json_key_str(j, "protocol", pk_proto_name(s->proto));
    pk_json_key_str(j, "family", s->family == 4 ? "ipv4" : "ipv6");
    pk_json_key_bool(j, "dual_stack", pk_sock_is_dual_stack(s));
    pk_json_key_str(j, "local_address", pk_sock_addr_str(s, false, a, sizeof(a)));
    pk_json_key_int(j, "local_port", s->local_port);
    if (!is_listener(s)) {
        pk_json_key_str(j, "remote_address", pk_sock_addr_str(s, true, a, sizeof(a)));
        pk_json_key_int(j, "remote_port", s->remote_port);
    }
    pk_json_key_str(j, "state", pk_sock_state_name(s->proto, s->state));
    const char *scope = scope_of(s);
    if (is_listener(s))
        pk_json_key_str(j, "scope", scope ? (scope[0] == 'a' ? "all" : "loopback") : "address");
    pk_json_key_int(j, "uid", s->uid);
    if (s->inode)
        pk_json_key_str(j, "user", pk_users_name(&v->owners.users, s->uid));
    pk_json_key_int(j, "inode", (long long)s->inode);
    size_t first = 0, cnt = s->inode ? pk_owners_of(&v->owners, s->inode, &first) : 0;
    pk_json_key(j, "processes");
    pk_json_arr_begin(j);
    for (size_t k = 0; k < cnt; k++) {
        const struct pk_proc_info *p = &v->owners.procs[v->owners.refs[first + k].proc];
        pk_json_obj_begin(j);
        pk_json_key_int(j, "pid", p->pid);
        pk_json_key_int(j, "fd", v->owners.refs[first + k].fd);
        pk_json_key_str(j, "command", p->comm);
        pk_json_key_str(j, "cmdline", p->cmdline ? p->cmdline : "");
        pk_json_key(j, "user");
        if (p->user[0])
            pk_json_val_str(j, p->user);
        else
            pk_json_val_null(j);
        if (p->unit[0])
            pk_json_key_str(j, "unit", p->unit);
        if (p->container[0])
            pk_json_key_str(j, "container", p->container);
        pk_json_obj_end(j);
    }
    pk_json_arr_end(j);
    const char *why = unknown_reason(v, s, cnt, false);
    if (why)
        pk_json_key_str(j, "owner_unknown", why);
    unsigned sport = service_port(cli, v, s);
    pk_json_key_int(j, "service_port", sport);
    pk_json_key(j, "service");
    const char *svc = sv_service(cli, sport, s->proto);
    if (svc)
        pk_json_val_str(j, svc);
    else
        pk_json_val_null(j);
    const char *warn = warning_of(cli, s);
    if (warn)
        pk_json_key_str(j, "warning", warn);
    if (v->group[i] > 1) /* sockets sharing protocol, address and port: SO_REUSEPORT */
        pk_json_key_int(j, "reuseport_group", (long long)v->group[i]);
    pk_json_obj_end(j);
}

void
sv_json_lines(struct cli *cli, struct sockview *v)
{
    struct pk_json j;
    for (size_t i = 0; i < v->list.n; i++) {
        pk_json_init(&j, &cli->out);
        sv_json_sock(cli, &j, v, v->order[i]);
        pk_buf_putc(&cli->out, '\n');
        if (cli_maybe_flush(cli) < 0)
            return;
    }
}
