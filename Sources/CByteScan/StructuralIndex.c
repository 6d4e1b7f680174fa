// The structural index (include/CStructuralIndex.h): a 64-bit mask per 64 bytes, turned into offsets eight at a
// time (a loop that stops at each bit mispredicts on every record).
#include "CStructuralIndex.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static inline int special(uint8_t c, uint8_t delimiter) {
    return c == delimiter || c == '\n' || c == '\r' || c == '"';
}

/// Appends the offsets of mask's bits (block starting at offset `at`) to out + count; returns the new count.
static inline size_t flatten(uint64_t mask, uint32_t at, uint32_t *out, size_t count) {
    size_t found = (size_t)__builtin_popcountll(mask);
    uint32_t *o = out + count;
    // Bit 63 or'ed in keeps ctz defined once the real bits are used up; those entries lie past `found` and are
    // overwritten by the next block.
    for (int i = 0; i < 8; i++) {
        o[i] = at + (uint32_t)__builtin_ctzll(mask | (1ULL << 63));
        mask &= mask - 1;
    }
    if (found > 8) {
        for (int i = 8; i < 16; i++) {
            o[i] = at + (uint32_t)__builtin_ctzll(mask | (1ULL << 63));
            mask &= mask - 1;
        }
        for (size_t i = 16; i < found; i++) {
            o[i] = at + (uint32_t)__builtin_ctzll(mask);
            mask &= mask - 1;
        }
    }
    return count + found;
}

static size_t plain_tail(const uint8_t *p, size_t i, size_t n, uint8_t delimiter, uint32_t *out, size_t count) {
    for (; i < n; i++) {
        if (special(p[i], delimiter)) out[count++] = (uint32_t)i;
    }
    return count;
}

size_t churnql_structural_index_plain(const uint8_t *p, size_t n, uint8_t delimiter, uint32_t *out) {
    return plain_tail(p, 0, n, delimiter, out, 0);
}

#if defined(__SSE2__)
static inline uint64_t mask16(const uint8_t *p, __m128i d, __m128i lf, __m128i cr, __m128i quote) {
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, lf)),
                             _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, quote)));
    return (uint64_t)(uint32_t)_mm_movemask_epi8(m);
}
#endif

size_t churnql_structural_index_sse2(const uint8_t *p, size_t n, uint8_t delimiter, uint32_t *out) {
    size_t count = 0, i = 0;
#if defined(__SSE2__)
    const __m128i d = _mm_set1_epi8((char)delimiter), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
                  quote = _mm_set1_epi8('"');
    for (; i + 64 <= n; i += 64) {
        uint64_t mask = mask16(p + i, d, lf, cr, quote) | mask16(p + i + 16, d, lf, cr, quote) << 16 |
                        mask16(p + i + 32, d, lf, cr, quote) << 32 | mask16(p + i + 48, d, lf, cr, quote) << 48;
        count = flatten(mask, (uint32_t)i, out, count);
    }
#endif
    return plain_tail(p, i, n, delimiter, out, count);
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
__attribute__((target("avx2"))) static size_t index_avx2(const uint8_t *p, size_t n, uint8_t delimiter,
                                                          uint32_t *out) {
    size_t count = 0, i = 0;
    const __m256i d = _mm256_set1_epi8((char)delimiter), lf = _mm256_set1_epi8('\n'), cr = _mm256_set1_epi8('\r'),
                  quote = _mm256_set1_epi8('"');
    for (; i + 64 <= n; i += 64) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(p + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(p + i + 32));
        __m256i ma = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(a, d), _mm256_cmpeq_epi8(a, lf)),
                                     _mm256_or_si256(_mm256_cmpeq_epi8(a, cr), _mm256_cmpeq_epi8(a, quote)));
        __m256i mb = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(b, d), _mm256_cmpeq_epi8(b, lf)),
                                     _mm256_or_si256(_mm256_cmpeq_epi8(b, cr), _mm256_cmpeq_epi8(b, quote)));
        uint64_t mask = (uint64_t)(uint32_t)_mm256_movemask_epi8(ma) |
                        (uint64_t)(uint32_t)_mm256_movemask_epi8(mb) << 32;
        count = flatten(mask, (uint32_t)i, out, count);
    }
    return plain_tail(p, i, n, delimiter, out, count);
}
#endif

size_t churnql_structural_index(const uint8_t *p, size_t n, uint8_t delimiter, uint32_t *out) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (__builtin_cpu_supports("avx2")) return index_avx2(p, n, delimiter, out);
#endif
    return churnql_structural_index_sse2(p, n, delimiter, out);
}
