/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The request header values the server reads itself (libmicrohttpd parses the request):
 * Accept-Encoding and Host. Both come from the network, so they are read strictly and
 * fuzzed (fuzz/fuzz_web_headers.c).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "web_int.h"

/* True when the Accept-Encoding value ae takes gzip (and does not refuse it with q=0). */
bool
web_accepts_gzip(const char *ae)
{
    for (const char *p = ae; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        size_t n = strcspn(p, ",;");
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        bool name = (n == 4 && strncasecmp(p, "gzip", 4) == 0) || (n == 1 && *p == '*');
        const char *end = p + strcspn(p, ",");
        const char *q = memchr(p, ';', (size_t)(end - p));
        bool zero = false;
        if (q) {
            q++;
            while (*q == ' ')
                q++;
            if ((*q == 'q' || *q == 'Q') && q[1] == '=') {
                q += 2;
                zero = *q == '0';
                for (q++; zero && q < end && *q != ' '; q++)
                    zero = *q == '.' || *q == '0';
            }
        }
        if (name)
            return !zero;
        p = end;
    }
    return false;
}

/* True when host (a Host header) names this machine's loopback: localhost (or a name under
 * .localhost), 127.0.0.0/8 or [::1], with or without a port. */
bool
web_loopback_host(const char *host)
{
    char name[256];
    size_t n;
    const char *port;
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        if (!close)
            return false;
        n = (size_t)(close - host - 1);
        if (n >= sizeof(name))
            return false;
        memcpy(name, host + 1, n);
        port = close + 1;
        name[n] = '\0';
        if (strcmp(name, "::1") != 0 && strcasecmp(name, "0:0:0:0:0:0:0:1") != 0)
            return false;
    } else {
        n = strcspn(host, ":");
        if (n == 0 || n >= sizeof(name))
            return false;
        memcpy(name, host, n);
        name[n] = '\0';
        port = host + n;
        size_t len = n;
        if (len && name[len - 1] == '.')
            name[--len] = '\0';
        bool lh = strcasecmp(name, "localhost") == 0 ||
                  (len > 10 && strcasecmp(name + len - 10, ".localhost") == 0);
        if (!lh) {
            unsigned a, b, c, d;
            char extra;
            if (sscanf(name, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &extra) != 4 || a != 127 ||
                b > 255 || c > 255 || d > 255 || strspn(name, "0123456789.") != len)
                return false;
        }
    }
    if (*port == '\0')
        return true;
    return *port == ':' && port[1] && strspn(port + 1, "0123456789") == strlen(port + 1) &&
           strlen(port + 1) <= 5;
}
