/* SPDX-License-Identifier: BSD-2-Clause */
/* This host's port policy, read from a /proc-like tree the test writes itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "portkit/error.h"
#include "portkit/policy.h"

static char root[64];

static void
put(const char *name, const char *content)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/sys/net/ipv4/%s", root, name);
    if (!content) {
        unlink(path);
        return;
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static int
setup(void **state)
{
    (void)state;
    char path[128];
    strcpy(root, "/tmp/pk-host-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(path, sizeof(path), "%s/sys", root);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/sys/net", root);
    mkdir(path, 0700);
    snprintf(path, sizeof(path), "%s/sys/net/ipv4", root);
    return mkdir(path, 0700);
}

static int
teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void
test_normal(void **state)
{
    (void)state;
    struct pk_port_policy *hp = malloc(sizeof(*hp));
    put("ip_local_port_range", "32768\t60999\n");
    put("ip_unprivileged_port_start", "1024\n");
    put("ip_local_reserved_ports", "3000-3002,8080\n");
    assert_int_equal(pk_port_policy_read(root, hp), 0);
    assert_true(hp->have_ephemeral);
    assert_int_equal(hp->ephemeral_lo, 32768);
    assert_int_equal(hp->ephemeral_hi, 60999);
    assert_true(hp->have_unprivileged);
    assert_int_equal(hp->unprivileged_start, 1024);
    assert_true(hp->have_reserved);
    assert_int_equal(hp->nreserved, 4);
    assert_true(pk_port_policy_reserved(hp, 3001));
    assert_true(pk_port_policy_reserved(hp, 8080));
    assert_false(pk_port_policy_reserved(hp, 3003));
    assert_false(pk_port_policy_reserved(hp, 70000));
    free(hp);
}

static void
test_malformed(void **state)
{
    (void)state;
    struct pk_port_policy *hp = malloc(sizeof(*hp));
    put("ip_local_port_range", "60999 32768\n"); /* reversed */
    put("ip_unprivileged_port_start", "99999\n");
    put("ip_local_reserved_ports", "1,2-\n");
    assert_int_equal(pk_port_policy_read(root, hp), 0);
    assert_false(hp->have_ephemeral);
    assert_false(hp->have_unprivileged);
    assert_false(hp->have_reserved);
    put("ip_local_port_range", NULL);
    put("ip_unprivileged_port_start", "abc");
    put("ip_local_reserved_ports", "\n"); /* none reserved: known and empty */
    assert_int_equal(pk_port_policy_read(root, hp), 0);
    assert_false(hp->have_ephemeral);
    assert_false(hp->have_unprivileged);
    assert_true(hp->have_reserved);
    assert_int_equal(hp->nreserved, 0);
    free(hp);
}

static void
test_real_proc(void **state)
{
    (void)state;
    struct pk_port_policy *hp = malloc(sizeof(*hp));
    assert_int_equal(pk_port_policy_read("/proc", hp), 0);
    if (access("/proc/sys/net/ipv4/ip_local_port_range", R_OK) == 0) {
        assert_true(hp->have_ephemeral);
        assert_true(hp->ephemeral_lo <= hp->ephemeral_hi);
    }
    free(hp);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_real_proc),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
