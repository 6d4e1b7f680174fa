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

/// An upper bound on the records in n bytes: each record but the last ends with LF, CR LF or a lone CR, so count
/// those (a CR LF once), plus one when the bytes do not end with a line end. Quoted line ends only loosen it.
static inline size_t churnql_record_bound(const uint8_t *p, size_t n) {
    size_t count = 0, i = 0;
#if defined(__SSE2__)
    // Per byte lane, a running count of LFs and of CRs not followed by an LF (each compare gives -1 per match),
    // summed into count before a lane can overflow.
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'), zero = _mm_setzero_si128();
    while (i + 17 <= n) {
        __m128i lanes = zero;
        for (int k = 0; k < 127 && i + 17 <= n; k++, i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
            __m128i next = _mm_loadu_si128((const __m128i *)(p + i + 1));
            __m128i loneCR = _mm_andnot_si128(_mm_cmpeq_epi8(next, lf), _mm_cmpeq_epi8(v, cr));
            lanes = _mm_sub_epi8(_mm_sub_epi8(lanes, _mm_cmpeq_epi8(v, lf)), loneCR);
        }
        __m128i sums = _mm_sad_epu8(lanes, zero);
        count += (size_t)_mm_cvtsi128_si64(sums) + (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums));
    }
#endif
    for (; i < n; i++) {
        if (p[i] == '\n') count++;
        else if (p[i] == '\r' && !(i + 1 < n && p[i + 1] == '\n')) count++;
    }
    if (n > 0 && p[n - 1] != '\n' && p[n - 1] != '\r') count++;
    return count;
}

/// Asks for the cache line at p ahead of a write (hash-table probes are cache misses otherwise taken one at a time).
static inline void churnql_prefetch(const void *p) { __builtin_prefetch(p, 1, 3); }

#endif
