# SPDX-License-Identifier: BSD-2-Clause
# Sourced by the NSS tests. Sets nss_preload to what a program must preload to load the
# module of $PK_BUILD: nothing for the plain build; for a sanitized one, the sanitizer
# runtimes it was linked against (they must come first in the process). Returns 1 when a
# sanitized module names no runtime to preload.
nss_preload=
if grep -q '^PK_SANITIZE:BOOL=ON' "$PK_BUILD/CMakeCache.txt"; then
    nss_preload=$(ldd "$PK_BUILD/nss/libnss_portkit.so.2" |
        awk '$1 ~ /^lib(asan|ubsan|clang_rt)/ {print $3}' | tr '\n' ' ')
    [ -n "$nss_preload" ] || return 1
fi
return 0
