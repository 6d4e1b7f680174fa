// Sixteen bytes at a time for the CSV scanner: SSE2 where the compiler has it (every x86-64), else plain C.
#ifndef CBYTESCAN_H
#define CBYTESCAN_H

#include <stdint.h>
#include <string.h>
#include "CHash64.h"
#include "CStructuralIndex.h"
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
/// In the same read, sets bit 0 of *seen when a NUL byte is among them (a text file has none) and bit 1 when a
/// double quote is.
static inline size_t churnql_record_bound(const uint8_t *p, size_t n, int *seen) {
    size_t count = 0, i = 0;
    int sawNul = 0, sawQuote = 0;
#if defined(__SSE2__)
    // Per byte lane, a running count of LFs and of CRs not followed by an LF (each compare gives -1 per match),
    // summed into count before a lane can overflow.
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'), zero = _mm_setzero_si128();
    const __m128i quote = _mm_set1_epi8('"');
    __m128i nuls = zero, quotes = zero;
    while (i + 17 <= n) {
        __m128i lanes = zero;
        for (int k = 0; k < 127 && i + 17 <= n; k++, i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
            __m128i next = _mm_loadu_si128((const __m128i *)(p + i + 1));
            __m128i loneCR = _mm_andnot_si128(_mm_cmpeq_epi8(next, lf), _mm_cmpeq_epi8(v, cr));
            lanes = _mm_sub_epi8(_mm_sub_epi8(lanes, _mm_cmpeq_epi8(v, lf)), loneCR);
            nuls = _mm_or_si128(nuls, _mm_cmpeq_epi8(v, zero));
            quotes = _mm_or_si128(quotes, _mm_cmpeq_epi8(v, quote));
        }
        __m128i sums = _mm_sad_epu8(lanes, zero);
        count += (size_t)_mm_cvtsi128_si64(sums) + (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums));
    }
    sawNul = _mm_movemask_epi8(nuls) != 0;
    sawQuote = _mm_movemask_epi8(quotes) != 0;
#endif
    for (; i < n; i++) {
        if (p[i] == '\n') count++;
        else if (p[i] == '\r' && !(i + 1 < n && p[i + 1] == '\n')) count++;
        else if (p[i] == 0) sawNul = 1;
        else if (p[i] == '"') sawQuote = 1;
    }
    if (n > 0 && p[n - 1] != '\n' && p[n - 1] != '\r') count++;
    *seen |= sawNul | sawQuote << 1;
    return count;
}

/// Where CSVScanner stands between two bytes: at the start of a field, inside an unquoted field (where a quote is
/// text), inside a quoted field, or just after a quote inside a quoted field (a second quote escapes it).
enum { CHURNQL_FIELD_START = 0, CHURNQL_UNQUOTED = 1, CHURNQL_QUOTED = 2, CHURNQL_QUOTE_SEEN = 3 };

/// Walks n bytes from *state exactly as CSVScanner reads them, so that a chunk cut after a record-ending LF is a
/// record boundary of the one-pass parse (quote parity alone is not: a quote inside an unquoted field is text).
/// With stop_at_line_end, returns just past the first LF that ends a record (or n); else returns n. Only the
/// delimiter, LF, CR and quotes change state, so sixteen bytes are sieved at a time. Text after a closing quote is
/// an error for the scanner; here it reads on as unquoted text (the chunk holding it reports the error).
static inline size_t churnql_csv_walk(const uint8_t *p, size_t n, uint8_t delimiter, int *state,
                                      int stop_at_line_end) {
    int s = *state;
    size_t i = 0, next = 0;  // next: the first byte not yet looked at
    while (i < n) {
        uint32_t marks = 0;
        size_t block = n - i < 16 ? n - i : 16;
        if (block == 16) {
            marks = churnql_special_bytes16(p + i, delimiter);
        } else {
            for (size_t k = 0; k < block; k++) {
                uint8_t c = p[i + k];
                if (c == delimiter || c == '\n' || c == '\r' || c == '"') marks |= 1u << k;
            }
        }
        while (marks != 0) {
            size_t j = i + (size_t)__builtin_ctz(marks);
            marks &= marks - 1;
            uint8_t c = p[j];
            if (s == CHURNQL_QUOTED) {
                if (c == '"') s = CHURNQL_QUOTE_SEEN;
                next = j + 1;
                continue;
            }
            // Ordinary bytes since the last special one: a field has started (or text follows a closing quote).
            if (j > next) s = CHURNQL_UNQUOTED;
            next = j + 1;
            if (c == '"') {
                s = s == CHURNQL_FIELD_START ? CHURNQL_QUOTED : s == CHURNQL_QUOTE_SEEN ? CHURNQL_QUOTED : s;
            } else {
                s = CHURNQL_FIELD_START;
                if (c == '\n' && stop_at_line_end) {
                    *state = s;
                    return j + 1;
                }
            }
        }
        i += block;
    }
    if (n > next && s != CHURNQL_QUOTED) s = CHURNQL_UNQUOTED;
    *state = s;
    return n;
}

/// Reads the ten bytes yyyy-MM-dd at p (years 1 to 9999, a real calendar day) into *day, the days since
/// 1970-01-01; returns 0, leaving *day alone, for anything else. Straight arithmetic, no table: an orders file's
/// dates are too many to cache per value and too cheap to compute to be worth it.
static inline int churnql_iso_day(const uint8_t *p, int32_t *day) {
    unsigned y0 = p[0] - '0', y1 = p[1] - '0', y2 = p[2] - '0', y3 = p[3] - '0';
    unsigned m0 = p[5] - '0', m1 = p[6] - '0', d0 = p[8] - '0', d1 = p[9] - '0';
    if ((y0 > 9) | (y1 > 9) | (y2 > 9) | (y3 > 9) | (m0 > 9) | (m1 > 9) | (d0 > 9) | (d1 > 9) | (p[4] != '-') |
        (p[7] != '-'))
        return 0;
    int year = (int)(y0 * 1000 + y1 * 100 + y2 * 10 + y3), month = (int)(m0 * 10 + m1), dom = (int)(d0 * 10 + d1);
    if (year < 1 || month < 1 || month > 12 || dom < 1) return 0;
    int leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0));
    int monthDays = month == 2 ? 28 + leap : 30 + ((month + (month >> 3)) & 1);
    if (dom > monthDays) return 0;
    // Howard Hinnant's days_from_civil; the year is never negative here.
    int y = year - (month <= 2), era = y / 400, yearOfEra = y - era * 400;
    int dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + dom - 1;
    *day = era * 146097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719468;
    return 1;
}

/// A hash of n bytes for the byte-keyed text tables (the loader's interner, the key matcher): eight bytes at a
/// time, each word mixed in with a multiply; a final mix makes the low bits usable.
static inline uint64_t churnql_hash_bytes(const uint8_t *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t word;
        memcpy(&word, p + i, 8);
        h = (h ^ word) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 32;
    }
    uint64_t tail = 0;
    for (unsigned shift = 0; i < n; i++, shift += 8) tail |= (uint64_t)p[i] << shift;
    h = (h ^ tail) * 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 29);
}

/// Asks for the cache line at p ahead of a write (hash-table probes are cache misses otherwise taken one at a time).
static inline void churnql_prefetch(const void *p) { __builtin_prefetch(p, 1, 3); }

/// Guards a read-only file mapping against SIGBUS (a read past the end of a file truncated while mapped): the
/// pages from the fault on read as zeros and churnql_guard_faulted turns 1. Returns the slot, or -1 when no guard
/// could be set (the caller then reads the file instead of mapping it). Unguard before unmapping.
int churnql_guard_mapping(const void *start, size_t count);
int churnql_guard_faulted(int slot);
void churnql_unguard_mapping(int slot);

#endif
