/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PORTKIT_COMMON_H
#define PORTKIT_COMMON_H

/*
 * What every public header shares: PK_API marks the functions libportkit exports (the
 * library is built with hidden visibility, so nothing else is), and PK_BEGIN_DECLS /
 * PK_END_DECLS give the declarations C linkage when included from C++.
 */
#if defined(__GNUC__) || defined(__clang__)
#define PK_API __attribute__((visibility("default")))
#else
#define PK_API
#endif

#ifdef __cplusplus
#define PK_BEGIN_DECLS extern "C" {
#define PK_END_DECLS }
#else
#define PK_BEGIN_DECLS
#define PK_END_DECLS
#endif

#endif
