// Sixteen bytes at a time for the CSV scanner: SSE2 where the compiler has it (every x86-64), else plain C.
#ifndef CBYTESCAN_H
#define CBYTESCAN_H

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Bit i is set when byte i of the 16 at p is the delimiter, LF, CR or a double quote.
static inline uint32_t churnql_special_bytes16(const uint8_t *p, uint8_t delimiter) {
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i m = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)delimiter)), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))));
    return (uint32_t)_mm_movemask_epi8(m);
#else
    uint32_t mask = 0;
    for (int i = 0; i < 16; i++) {
        uint8_t c = p[i];
        if (c == delimiter || c == '\n' || c == '\r' || c == '"') mask |= 1u << i;
    }
    return mask;
#endif
}

#endif
