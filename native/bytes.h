// bytes.h - fixed-width integers and unaligned reads.
//
// Contract: every reader takes a pointer the caller has already checked to
// have the needed bytes in bounds; nothing here checks lengths. memcpy-based
// loads compile to single moves on x86-64 and are free of alignment and
// strict-aliasing undefined behaviour.
//
// laghash reproduces systems that XOR network-order bytes reinterpreted as
// host integers on a little-endian (x86-64) host: le16/le32 give exactly
// those values on every host, be16/be32 give the numeric value of a
// network-order field.
#ifndef LAGHASH_BYTES_H
#define LAGHASH_BYTES_H

#include <cstddef>
#include <cstdint>
#include <cstring>

// The per-frame helpers are small and called once per frame from a loop that
// is specialised per policy: inlining them keeps the loop free of calls.
#if defined(__GNUC__)
#define LAGHASH_INLINE inline __attribute__((always_inline))
#else
#define LAGHASH_INLINE inline
#endif

// Before a loop: unroll it up to N times (GCC and Clang; other compilers
// ignore it rather than warn of an unknown pragma).
#if defined(__GNUC__)
#define LAGHASH_UNROLL_STR(x) #x
#define LAGHASH_UNROLL(n) _Pragma(LAGHASH_UNROLL_STR(GCC unroll n))
#else
#define LAGHASH_UNROLL(n)
#endif

namespace laghash {

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t i32;

static inline u32 le16(const u8* p) { return (u32)p[0] | ((u32)p[1] << 8); }
static inline u32 be16(const u8* p) { return ((u32)p[0] << 8) | (u32)p[1]; }
static inline u32 be24(const u8* p) { return ((u32)p[0] << 16) | ((u32)p[1] << 8) | (u32)p[2]; }

static inline u32 le32(const u8* p) {
  u32 v;
  memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap32(v);
#endif
  return v;
}

static inline u32 be32(const u8* p) {
  u32 v;
  memcpy(&v, p, 4);
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  v = __builtin_bswap32(v);
#endif
  return v;
}

// XOR of the four little-endian 32-bit words of a 16-byte IPv6 address: the
// kernel's ipv6_addr_hash() and DPDK's ipv6_hash() half.
static inline u32 xor4_le32(const u8* p) { return le32(p) ^ le32(p + 4) ^ le32(p + 8) ^ le32(p + 12); }

// fold(h) of ../shared/reference/policies.md: h ^= h >> 16; h ^= h >> 8.
static inline u32 fold16_8(u32 h) {
  h ^= h >> 16;
  h ^= h >> 8;
  return h;
}

static inline u32 rotl32(u32 x, int r) { return (x << r) | (x >> (32 - r)); }

}  // namespace laghash

#endif
