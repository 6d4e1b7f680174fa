// A 64-bit checksum for snapshot files: XXH64 (Yann Collet's xxHash, 64-bit variant), about 10 GB/s per core.
#ifndef CHASH64_H
#define CHASH64_H

#include <stddef.h>
#include <stdint.h>

/// XXH64 of the n bytes at p with the given seed.
uint64_t churnql_hash64(const void *p, size_t n, uint64_t seed);

/// Whether every one of the n bytes at p is 0 or 1 (a valid Swift Bool).
int churnql_all_bool_bytes(const uint8_t *p, size_t n);

/// Whether every one of the n int32 values at p is in [0, limit).
int churnql_codes_below(const int32_t *p, size_t n, int32_t limit);

#endif
