/* SPDX-License-Identifier: BSD-2-Clause */
/* The output buffer: size limit, JSON strings, terminal escaping, the JSON writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "portkit/buf.h"
#include "grow.h"
#include "json.h"
#include "utf8.h"
#include "portkit/error.h"

static const char *
json(const char *s)
{
    static struct pk_buf b;
    pk_buf_free(&b);
    pk_buf_init(&b, 4096);
    pk_buf_json_str(&b, s);
    assert_int_equal(b.err, 0);
    return b.data;
}

static const char *
term(const char *s, bool fold)
{
    static struct pk_buf b;
    pk_buf_free(&b);
    pk_buf_init(&b, 4096);
    pk_buf_term_str(&b, s, fold);
    assert_int_equal(b.err, 0);
    return b.data ? b.data : "";
}

static void
test_json_strings(void **state)
{
    (void)state;
    assert_string_equal(json("plain"), "\"plain\"");
    assert_string_equal(json("a\"b\\c"), "\"a\\\"b\\\\c\"");
    assert_string_equal(json("l1\nl2\tx\r"), "\"l1\\nl2\\tx\\r\"");
    assert_string_equal(json("\x01\x1f"), "\"\\u0001\\u001f\"");
    assert_string_equal(json("caf\xc3\xa9"), "\"caf\xc3\xa9\"");           /* valid UTF-8 kept */
    assert_string_equal(json("bad\xff"), "\"bad\xef\xbf\xbd\"");           /* invalid replaced */
    assert_string_equal(json("\xc0\xaf"), "\"\xef\xbf\xbd\xef\xbf\xbd\""); /* overlong */
    assert_string_equal(json("\xed\xa0\x80"),
                        "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* surrogate */
    assert_string_equal(json("<script>&"), "\"<script>&\"");
    /* With a length, NUL bytes are data. */
    struct pk_buf b;
    pk_buf_init(&b, 64);
    pk_buf_json_strn(&b, "a\0b\xc3", 4);
    assert_string_equal(b.data, "\"a\\u0000b\xef\xbf\xbd\"");
    pk_buf_free(&b);
}

static void
test_terminal_escaping(void **state)
{
    (void)state;
    assert_string_equal(term("sshd", true), "sshd");
    /* An escape sequence in a process name must not reach the terminal. */
    assert_string_equal(term("evil\033[2J", true), "evil\\x1b[2J");
    assert_string_equal(term("a\nb", true), "a b");
    assert_string_equal(term("a\nb", false), "a\\x0ab");
    assert_string_equal(term("back\\slash", true), "back\\\\slash");
    assert_string_equal(term("del\x7f", true), "del\\x7f");
    assert_string_equal(term("c1\xc2\x9b", true), "c1\\xc2\\x9b"); /* C1 CSI */
    assert_string_equal(term("bad\xff", true), "bad\\xff");
    assert_string_equal(term("\xe2\x9c\x93 ok", true), "\xe2\x9c\x93 ok");
    /* Bidirectional overrides ("Trojan Source") are shown, not obeyed. */
    assert_string_equal(term("a\xe2\x80\xae"
                             "b",
                             true),
                        "a\\xe2\\x80\\xaeb");
    assert_string_equal(term("\xe2\x81\xa6x", true), "\\xe2\\x81\\xa6x");
}

static void
test_limit(void **state)
{
    (void)state;
    struct pk_buf b;
    pk_buf_init(&b, 8);
    pk_buf_puts(&b, "12345");
    pk_buf_puts(&b, "6789"); /* would make 9 > 8 */
    assert_int_equal(b.err, PK_ENOBUFS);
    assert_int_equal(b.len, 5);
    assert_string_equal(b.data, "12345");
    pk_buf_puts(&b, "x"); /* ignored after an error */
    assert_int_equal(b.len, 5);
    pk_buf_reset(&b);
    assert_int_equal(b.err, 0);
    pk_buf_printf(&b, "%d-%s", 42, "ok");
    assert_string_equal(b.data, "42-ok");
    pk_buf_free(&b);

    pk_buf_init(&b, 1 << 20);
    char big[600];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    pk_buf_printf(&b, "<%s>", big); /* longer than printf's stack buffer */
    assert_int_equal(b.len, sizeof(big) + 1);
    pk_buf_reset(&b);
    pk_buf_putu(&b, 0);
    pk_buf_putc(&b, ' ');
    pk_buf_putu(&b, 18446744073709551615ull);
    assert_string_equal(b.data, "0 18446744073709551615");
    pk_buf_free(&b);
}

static void
test_json_writer(void **state)
{
    (void)state;
    struct pk_buf b;
    struct pk__json j;
    pk_buf_init(&b, 4096);
    pk__json_init(&j, &b);
    pk__json_obj_begin(&j);
    pk__json_key_int(&j, "port", 80);
    pk__json_key_int(&j, "neg", -9223372036854775807ll - 1);
    pk__json_key(&j, "list");
    pk__json_arr_begin(&j);
    pk__json_val_str(&j, "a");
    pk__json_obj_begin(&j);
    pk__json_key_bool(&j, "x", true);
    pk__json_obj_end(&j);
    pk__json_val_null(&j);
    pk__json_arr_end(&j);
    pk__json_key(&j, "empty");
    pk__json_arr_begin(&j);
    pk__json_arr_end(&j);
    pk__json_key_str(&j, "s", "v");
    pk__json_obj_end(&j);
    assert_string_equal(b.data, "{\"port\":80,\"neg\":-9223372036854775808,\"list\":[\"a\",{\"x\":"
                                "true},null],\"empty\":[],\"s\":\"v\"}");
    pk_buf_free(&b);
}

static const char *
markup(const char *s, bool xml)
{
    static struct pk_buf b;
    pk_buf_free(&b);
    pk_buf_init(&b, 4096);
    if (xml)
        pk_buf_xml_str(&b, s);
    else
        pk_buf_html_str(&b, s);
    assert_int_equal(b.err, 0);
    return b.data ? b.data : "";
}

/* XML and HTML: markup characters become references, invalid UTF-8 and forbidden characters
 * U+FFFD (a Latin-1 file name must still give well-formed XML). */
static void
test_markup_escaping(void **state)
{
    (void)state;
    assert_string_equal(markup("a<b>&\"c'", true), "a&lt;b&gt;&amp;&quot;c&#39;");
    assert_string_equal(markup("caf\xe9.txt", true), "caf\xef\xbf\xbd.txt");
    assert_string_equal(markup("caf\xc3\xa9", true), "caf\xc3\xa9");
    assert_string_equal(markup("a\tb\nc", true), "a&#9;b&#10;c");
    assert_string_equal(markup("a\tb\nc", false), "a\tb\nc");
    assert_string_equal(markup("\x01\x7f", false), "\xef\xbf\xbd\xef\xbf\xbd");
    assert_string_equal(markup("\xef\xbf\xbe", true), "\xef\xbf\xbd");
    assert_string_equal(markup("\xed\xa0\x80", true), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    assert_string_equal(markup("<script>", false), "&lt;script&gt;");
}

/* The capped growable array: doubles, stops at its maximum, keeps the array on failure. */
static void
test_grow(void **state)
{
    (void)state;
    int *v = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 100; i++)
        assert_int_equal(pk__push(&v, &n, &cap, &i, sizeof(i), 100), 0);
    assert_int_equal(n, 100);
    assert_true(cap >= 100 && cap <= 100);
    int x = 7;
    assert_int_equal(pk__push(&v, &n, &cap, &x, sizeof(x), 100), PK_ENOBUFS);
    assert_int_equal(n, 100);
    for (int i = 0; i < 100; i++)
        assert_int_equal(v[i], i);
    assert_int_equal(pk__grow(&v, &cap, (size_t)-1 / 2, sizeof(int), (size_t)-1), PK_ENOBUFS);
    free(v);
}

/* Display width: code points, not bytes; wide and combining characters when the locale
 * knows them (C.UTF-8 here). */
static void
test_width(void **state)
{
    (void)state;
    assert_int_equal(pk__text_width("abc", 3), 3);
    assert_int_equal(pk__text_width("caf\xc3\xa9", 5), 4);
    size_t used;
    assert_int_equal(pk__text_fit("caf\xc3\xa9s", 6, 4, &used), 5);
    assert_int_equal(used, 4);
    if (setlocale(LC_CTYPE, "C.UTF-8")) {
        assert_int_equal(pk__text_width("\xe6\x97\xa5\xe6\x9c\xac", 6), 4); /* two wide */
        assert_int_equal(pk__text_width("e\xcc\x81", 3), 1);                /* combining */
        assert_int_equal(pk__text_fit("\xe6\x97\xa5\xe6\x9c\xac", 6, 3, &used), 3);
        assert_int_equal(used, 2);
        setlocale(LC_CTYPE, "C");
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_strings),    cmocka_unit_test(test_terminal_escaping),
        cmocka_unit_test(test_limit),           cmocka_unit_test(test_json_writer),
        cmocka_unit_test(test_markup_escaping), cmocka_unit_test(test_grow),
        cmocka_unit_test(test_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
