/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_SCANCMD_H
#define PORTKIT_SCANCMD_H

/*
 * portkit scan, in two files: scan.c parses the options into a struct scan_conf (targets,
 * ports, the engine's options, the outputs), scan_run.c runs the job and writes the
 * outputs through the library's scan report (portkit/scanout.h).
 */
#include <stdbool.h>

#include "cli.h"
#include "portkit/scan.h"
#include "portkit/target.h"

/* The report files: -oX, -oG, -oN (and -oA, all three); "-" is standard output. */
enum { SCAN_OUT_XML, SCAN_OUT_GREP, SCAN_OUT_NORMAL, SCAN_NOUT };

struct scan_conf {
    struct pk_targets *targets;     /* finished */
    struct pk_portset *ports;       /* TCP ports only */
    struct pk_scan_opts so;         /* rate, retries, timeouts, shard, seed */
    const char *out[SCAN_NOUT];     /* paths, or NULL */
    const char *out_opt[SCAN_NOUT]; /* the option that named each ("-oX", "-oA") */
    bool open_only;                 /* --open */
    bool reason;                    /* --reason */
    unsigned verbose;               /* -v given this often */
    char *args;                     /* the command line, for the reports */
};

/* Runs the scan c describes and writes its outputs. Returns the exit status: EXIT_FOUND
 * (open ports), EXIT_NOTHING, EXIT_USAGE (an output that cannot be opened), EXIT_RUNTIME,
 * or EXIT_INTERRUPTED after SIGINT, SIGTERM or SIGPIPE (every report finished). */
int scan_run(struct cli *cli, struct scan_conf *c);

#endif
