// A structural index for the loader's fast record path: the positions of every byte that can end or start a CSV
// field, found sixty-four bytes at a time.
#ifndef CSTRUCTURAL_INDEX_H
#define CSTRUCTURAL_INDEX_H

#include <stddef.h>
#include <stdint.h>

/// Writes the offsets from p of every delimiter, LF, CR and double quote among the n bytes at p (n < 2^32) into out,
/// in order, and returns how many there are. out needs room for n + 64 entries: a block's offsets are written eight
/// at a time, past the last one found. Uses AVX2 when the processor has it, else SSE2 (or plain C off x86-64).
size_t churnql_structural_index(const uint8_t *p, size_t n, uint8_t delimiter, uint32_t *out);

/// The same, one byte at a time (the reference the vector versions are tested against).
size_t churnql_structural_index_plain(const uint8_t *p, size_t n, uint8_t delimiter, uint32_t *out);

/// The same without AVX2 even where it is available (to test the SSE2 path on any x86-64).
size_t churnql_structural_index_sse2(const uint8_t *p, size_t n, uint8_t delimiter, uint32_t *out);

#endif
