/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The NSS module under several threads at once (tests/cli/nss_threads.test runs it, built with
 * ThreadSanitizer against a ThreadSanitizer build of the module, or with AddressSanitizer in
 * the sanitized build). It opens the module with dlopen() and calls its entry points
 * directly, since glibc serializes getservent() and would hide a race in the module's own
 * position; then it goes through glibc (__nss_configure_lookup) as programs do.
 *
 *   nss-threads MODULE.so       exit 0 when every check holds, 1 otherwise
 *
 * Checks: every answer from 8 threads equals the single-threaded one, for every port by
 * tcp, udp and any protocol and every name; a buffer too small gives NSS_STATUS_TRYAGAIN
 * with ERANGE and leaves the result alone, one byte more succeeds; 8 threads enumerating at
 * once get every entry exactly once between them; glibc's getservbyport_r and
 * getservbyname_r agree from 8 threads and return ERANGE for a small buffer, and glibc's
 * getservent_r returns ERANGE and then the same entry.
 */
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <nss.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTHREADS 8
#define QUERIES 20000
#define BIG 4096
#define NPORTS 65536

typedef enum nss_status byname_fn(const char *, const char *, struct servent *, char *, size_t,
                                  int *);
typedef enum nss_status byport_fn(int, const char *, struct servent *, char *, size_t, int *);
typedef enum nss_status set_fn(int);
typedef enum nss_status get_fn(struct servent *, char *, size_t, int *);
typedef enum nss_status end_fn(void);

static byname_fn *byname;
static byport_fn *byport;
static set_fn *setent;
static get_fn *getent;
static end_fn *endent;

static const char *const protos[3] = {"tcp", "udp", NULL};

/* Expected answers: a hash of the whole entry, 0 for none. */
static uint64_t exp_port[NPORTS][3];
static uint64_t *ent_hash; /* enumeration, single-threaded, in order */
static char **ent_name;    /* the name of each entry */
static uint64_t (*exp_name)[3];
static size_t nent;
static atomic_int failures;

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        if (atomic_fetch_add(&failures, 1) < 20)                                                   \
            fprintf(stderr, "FAIL: " __VA_ARGS__);                                                 \
    } while (0)

/* Returns an FNV-1a hash of everything in s: name, port, protocol, aliases in order. */
static uint64_t
hash_ent(const struct servent *s)
{
    uint64_t h = 1469598103934665603ull;
#define MIX(byte) (h = (h ^ (unsigned char)(byte)) * 1099511628211ull)
    for (const char *p = s->s_name;; p++) {
        MIX(*p);
        if (!*p)
            break;
    }
    MIX(s->s_port & 0xff);
    MIX((s->s_port >> 8) & 0xff);
    for (const char *p = s->s_proto; *p; p++)
        MIX(*p);
    for (char **a = s->s_aliases; *a; a++) {
        MIX('/');
        for (const char *p = *a; *p; p++)
            MIX(*p);
    }
#undef MIX
    return h | 1; /* never 0, which means "none" */
}

/* Returns the next number of a thread's own generator (xorshift64). */
static uint64_t
rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Looks up (port or name, proto) with a buffer of len bytes; on ERANGE checks that the
 * result was left alone and retries with a big buffer. Returns the entry's hash or 0. */
static uint64_t
ask(unsigned port, const char *name, const char *proto, size_t len)
{
    static const struct servent untouched = {.s_name = (char *)"untouched"};
    char buf[BIG + 1];
    struct servent s = untouched;
    int err = 0;
    char *b = buf + (len & 1); /* odd addresses too: the module aligns its alias array */
    enum nss_status st = name ? byname(name, proto, &s, b, len, &err)
                              : byport((int)htons((uint16_t)port), proto, &s, b, len, &err);
    if (st == NSS_STATUS_TRYAGAIN) {
        if (err != ERANGE)
            FAIL("TRYAGAIN with errno %d, not ERANGE\n", err);
        if (memcmp(&s, &untouched, sizeof(s)) != 0)
            FAIL("the result was changed by a call that returned ERANGE\n");
        if (len >= BIG)
            FAIL("ERANGE with %d bytes\n", BIG);
        return len >= BIG ? 0 : ask(port, name, proto, BIG);
    }
    if (st == NSS_STATUS_NOTFOUND)
        return 0;
    if (st != NSS_STATUS_SUCCESS) {
        FAIL("status %d\n", st);
        return 0;
    }
    return hash_ent(&s);
}

/* Checks that every buffer shorter than the one an entry needs gives ERANGE, the first one
 * long enough gives the entry, and no call writes past the length it was given. */
static void
check_erange(unsigned port, const char *proto)
{
    size_t len = 0;
    uint64_t want = exp_port[port][proto ? (proto[0] == 'u') : 2];
    for (; len < BIG; len++) {
        char buf[BIG + 64];
        struct servent s;
        int err = 0;
        memset(buf, 0xa5, sizeof(buf));
        enum nss_status st = byport((int)htons((uint16_t)port), proto, &s, buf, len, &err);
        for (size_t i = len; i < len + 64; i++)
            if ((unsigned char)buf[i] != 0xa5) {
                FAIL("%u/%s: a call with %zu bytes wrote byte %zu\n", port, proto ? proto : "any",
                     len, i);
                return;
            }
        if (st == NSS_STATUS_SUCCESS) {
            if (hash_ent(&s) != want)
                FAIL("%u/%s: a just-big-enough buffer (%zu) gave another entry\n", port,
                     proto ? proto : "any", len);
            return;
        }
        if (st != NSS_STATUS_TRYAGAIN || err != ERANGE) {
            FAIL("%u/%s with %zu bytes: status %d errno %d\n", port, proto ? proto : "any", len, st,
                 err);
            return;
        }
    }
    FAIL("%u/%s: no buffer up to %d bytes was enough\n", port, proto ? proto : "any", BIG);
}

/* Thread body: random lookups by port and by name with random buffer sizes. */
static void *
lookups(void *arg)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull * ((uintptr_t)arg + 1);
    for (int i = 0; i < QUERIES; i++) {
        uint64_t r = rnd(&seed);
        int pi = (int)(r % 3);
        size_t len = (r >> 8) % 4 == 0 ? (r >> 16) % 96 : BIG;
        if ((r >> 4) & 1) {
            unsigned port = (unsigned)((r >> 24) % NPORTS);
            if (ask(port, NULL, protos[pi], len) != exp_port[port][pi])
                FAIL("%u/%s differs from the single-threaded answer\n", port,
                     protos[pi] ? protos[pi] : "any");
        } else {
            size_t e = (size_t)((r >> 24) % nent);
            if (ask(0, ent_name[e], protos[pi], len) != exp_name[e][pi])
                FAIL("%s/%s differs from the single-threaded answer\n", ent_name[e],
                     protos[pi] ? protos[pi] : "any");
        }
    }
    return NULL;
}

struct walk {
    uintptr_t id;
    uint64_t *got;
    size_t n;
};

/* Thread body: getservent_r until the end, sometimes with a buffer too small. */
static void *
walker(void *arg)
{
    struct walk *w = arg;
    uint64_t seed = 0x2545f4914f6cdd1dull * (w->id + 1);
    char buf[BIG];
    for (;;) {
        struct servent s;
        int err = 0;
        size_t len = rnd(&seed) % 4 == 0 ? 8 : BIG;
        enum nss_status st = getent(&s, buf, len, &err);
        if (st == NSS_STATUS_TRYAGAIN && err == ERANGE && len < BIG)
            continue; /* this thread retries with a big one */
        if (st == NSS_STATUS_NOTFOUND)
            break;
        if (st != NSS_STATUS_SUCCESS) {
            FAIL("getservent_r: status %d errno %d\n", st, err);
            break;
        }
        if (w->n < nent + 1)
            w->got[w->n++] = hash_ent(&s);
    }
    return NULL;
}

/* Thread body: lookups through glibc, as a program makes them. */
static void *
through_glibc(void *arg)
{
    uint64_t seed = 0xd1b54a32d192ed03ull * ((uintptr_t)arg + 1);
    char buf[BIG];
    for (int i = 0; i < QUERIES / 4; i++) {
        uint64_t r = rnd(&seed);
        int pi = (int)(r % 3);
        size_t e = (size_t)((r >> 24) % nent);
        unsigned port = (unsigned)((r >> 24) % NPORTS);
        struct servent s, *res = NULL;
        int rc = (r >> 4) & 1
                     ? getservbyport_r((int)htons((uint16_t)port), protos[pi], &s, buf, sizeof(buf),
                                       &res)
                     : getservbyname_r(ent_name[e], protos[pi], &s, buf, sizeof(buf), &res);
        uint64_t want = (r >> 4) & 1 ? exp_port[port][pi] : exp_name[e][pi];
        if (rc != 0 || (res ? hash_ent(res) : 0) != want)
            FAIL("glibc: %s/%s: rc %d, answer differs\n", (r >> 4) & 1 ? "port" : ent_name[e],
                 protos[pi] ? protos[pi] : "any", rc);
        if (want && (rc = getservbyport_r((int)htons(22), "tcp", &s, buf, 4, &res)) != ERANGE)
            FAIL("glibc getservbyport_r with 4 bytes: %d, not ERANGE\n", rc);
    }
    return NULL;
}

/* Checks glibc's getservent_r over the module: a buffer too small gives ERANGE, and the
 * next call with room gives that same first entry (the module kept its position). */
static void
check_glibc_getent(uint64_t first)
{
    char buf[BIG];
    struct servent s, *res = NULL;
    setservent(0);
    int rc = getservent_r(&s, buf, 8, &res);
    if (rc != ERANGE)
        FAIL("glibc getservent_r with 8 bytes: %d, not ERANGE\n", rc);
    rc = getservent_r(&s, buf, sizeof(buf), &res);
    if (rc != 0 || !res || hash_ent(res) != first)
        FAIL("glibc getservent_r after ERANGE: rc %d, not the first entry\n", rc);
    endservent();
}

/* Runs fn in NTHREADS threads with arg(i). */
static void
run(void *(*fn)(void *), void *args[NTHREADS])
{
    pthread_t t[NTHREADS];
    for (uintptr_t i = 0; i < NTHREADS; i++)
        if (pthread_create(&t[i], NULL, fn, args ? args[i] : (void *)i) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            exit(1);
        }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Enumerates single-threaded: the expected entries and their names. */
static void
enumerate(void)
{
    size_t cap = 1024;
    char buf[BIG];
    struct servent s;
    int err;
    ent_hash = malloc(cap * sizeof(*ent_hash));
    ent_name = malloc(cap * sizeof(*ent_name));
    setent(0);
    while (getent(&s, buf, sizeof(buf), &err) == NSS_STATUS_SUCCESS) {
        if (nent == cap) {
            cap *= 2;
            ent_hash = realloc(ent_hash, cap * sizeof(*ent_hash));
            ent_name = realloc(ent_name, cap * sizeof(*ent_name));
        }
        if (!ent_hash || !ent_name)
            exit(1);
        ent_hash[nent] = hash_ent(&s);
        ent_name[nent++] = strdup(s.s_name);
    }
    endent();
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: nss-threads MODULE.so\n");
        return 2;
    }
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    byname = (byname_fn *)dlsym(h, "_nss_portkit_getservbyname_r");
    byport = (byport_fn *)dlsym(h, "_nss_portkit_getservbyport_r");
    setent = (set_fn *)dlsym(h, "_nss_portkit_setservent");
    getent = (get_fn *)dlsym(h, "_nss_portkit_getservent_r");
    endent = (end_fn *)dlsym(h, "_nss_portkit_endservent");
    if (!byname || !byport || !setent || !getent || !endent) {
        fprintf(stderr, "missing entry points\n");
        return 1;
    }

    size_t found = 0;
    for (unsigned p = 0; p < NPORTS; p++)
        for (int pi = 0; pi < 3; pi++)
            found += (exp_port[p][pi] = ask(p, NULL, protos[pi], BIG)) != 0;
    enumerate();
    exp_name = calloc(nent, sizeof(*exp_name));
    if (!exp_name || nent == 0 || found == 0) {
        fprintf(stderr, "FAIL: the module answered nothing\n");
        return 1;
    }
    for (size_t e = 0; e < nent; e++)
        for (int pi = 0; pi < 3; pi++)
            exp_name[e][pi] = ask(0, ent_name[e], protos[pi], BIG);
    const unsigned probes[] = {22, 80, 443, 631, 6001, 7, 0, 4};
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
        if (exp_port[probes[i]][0]) {
            check_erange(probes[i], "tcp");
            check_erange(probes[i], NULL);
        }

    run(lookups, NULL);
    printf("lookups: %d threads x %d by port and name, buffers of 0-95 and %d bytes\n", NTHREADS,
           QUERIES, BIG);

    struct walk w[NTHREADS];
    void *args[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (struct walk){.id = (uintptr_t)i, .got = malloc((nent + 1) * sizeof(uint64_t))};
        if (!w[i].got)
            return 1;
        args[i] = &w[i];
    }
    setent(0);
    run(walker, args);
    endent();
    uint64_t *all = malloc((NTHREADS * (nent + 1)) * sizeof(uint64_t));
    size_t n = 0;
    for (int i = 0; i < NTHREADS; i++) {
        memcpy(all + n, w[i].got, w[i].n * sizeof(uint64_t));
        n += w[i].n;
        free(w[i].got);
    }
    qsort(all, n, sizeof(*all), cmp_u64);
    uint64_t first = ent_hash[0];
    qsort(ent_hash, nent, sizeof(*ent_hash), cmp_u64);
    if (n != nent || memcmp(all, ent_hash, n * sizeof(*all)) != 0)
        FAIL("%d threads enumerating got %zu entries, not each of the %zu once\n", NTHREADS, n,
             nent);
    printf("enumeration: %zu entries, %d threads at once\n", n, NTHREADS);
    free(all);

    if (__nss_configure_lookup("services", "portkit") != 0) {
        FAIL("__nss_configure_lookup\n");
    } else {
        check_glibc_getent(first);
        run(through_glibc, NULL);
        printf("glibc: %d threads x %d getservbyport_r/getservbyname_r\n", NTHREADS, QUERIES / 4);
    }
    int f = atomic_load(&failures);
    printf("%zu port answers, %zu entries, %d failures\n", found, nent, f);
    return f ? 1 : 0;
}
