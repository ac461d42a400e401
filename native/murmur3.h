// murmur3.h - MurmurHash3_x86_32 (Austin Appleby's public-domain design),
// written from its published description and checked against its published
// test vectors (test/murmur3.test.ts).
//
// laghash's field policies hash a key assembled as little-endian 32-bit
// words; murmur3_words() is exactly MurmurHash3_x86_32 over those words'
// bytes, so a key of n words has the same hash as its 4n-byte serialisation.
#ifndef LAGHASH_MURMUR3_H
#define LAGHASH_MURMUR3_H

#include "bytes.h"

namespace laghash {

static inline u32 murmur3_mix(u32 k) {
  k *= 0xcc9e2d51u;
  k = rotl32(k, 15);
  return k * 0x1b873593u;
}

static inline u32 murmur3_fmix(u32 h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

static inline u32 murmur3_words(const u32* k, u32 n, u32 seed) {
  u32 h = seed;
  for (u32 i = 0; i < n; i++) {
    h ^= murmur3_mix(k[i]);
    h = rotl32(h, 13);
    h = h * 5 + 0xe6546b64u;
  }
  return murmur3_fmix(h ^ (n * 4));
}

// murmur3_words() of one key under two seeds in one pass: a word's mix does
// not depend on the seed, so it is computed once.
// The states are locals: written through the references in the loop, they
// would be stored on every word (the outputs might alias k). Unrolled: GCC
// leaves the loop rolled even where the word count is a constant (the common
// frame's flow key: 5 or 11 words); unrolled, analysis summaries take 0.82 to
// 0.91 of the time (in-process A/B runs of the two builds).
static LAGHASH_INLINE void murmur3_words2(const u32* k, u32 n, u32 seed_a, u32 seed_b, u32& a, u32& b) {
  u32 x = seed_a, y = seed_b;
  LAGHASH_UNROLL(12)
  for (u32 i = 0; i < n; i++) {
    const u32 m = murmur3_mix(k[i]);
    x = rotl32(x ^ m, 13) * 5 + 0xe6546b64u;
    y = rotl32(y ^ m, 13) * 5 + 0xe6546b64u;
  }
  a = murmur3_fmix(x ^ (n * 4));
  b = murmur3_fmix(y ^ (n * 4));
}

// Over an arbitrary byte string (for the published test vectors).
static inline u32 murmur3_bytes(const u8* p, u32 len, u32 seed) {
  u32 h = seed, i = 0;
  for (; i + 4 <= len; i += 4) {
    h ^= murmur3_mix(le32(p + i));
    h = rotl32(h, 13);
    h = h * 5 + 0xe6546b64u;
  }
  u32 k = 0;
  switch (len & 3) {
    case 3: k ^= (u32)p[i + 2] << 16; [[fallthrough]];
    case 2: k ^= (u32)p[i + 1] << 8; [[fallthrough]];
    case 1: k ^= p[i]; h ^= murmur3_mix(k);
  }
  return murmur3_fmix(h ^ len);
}

}  // namespace laghash

#endif
