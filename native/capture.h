// capture.h - the classic pcap record loop of `laghash analyze` and
// parseCapture (the TS twin, lib/js/capture.ts, runs the same loop the same
// way): the records' positions, lengths and timestamps, and whether one is
// odd. The caller (lib/capture.ts scanPcapRecords) reads the file header,
// says which records are odd, and what a record the loop stops at means.
#ifndef LAGHASH_CAPTURE_H
#define LAGHASH_CAPTURE_H

#include "bytes.h"

namespace laghash {

enum : u32 { PCAP_RECORD_HEADER = 16 };

template <bool LE>
static inline u32 rec32(const u8* p) { return LE ? le32(p) : be32(p); }

// Records from byte p of d[0, n) while whole ones remain and out slots
// [i, end) are free: record i's data at off[i] (just past its 16-byte header),
// its incl_len in len[i], orig_len in orig[i], and ts_sec + ts_frac / units in
// ts[i]. Stops before a record cut short by n or whose incl_len is above
// max_captured. Returns the next free slot; the position after the last
// record is off[i - 1] + len[i - 1] (p when none was added). n < 2^32. odd is
// set when a record taken has an incl_len above snap or above its orig_len
// (the caller then finds them and says so; they are kept as captured).
template <bool LE>
static inline u32 pcap_records_in(const u8* d, u32 n, u32 p, double units, u32 max_captured, u32 snap, u32* off,
                                  u32* len, u32* orig, double* ts, u32 i, u32 end, bool& odd) {
  u32 above = 0;
  while (i < end && n - p >= PCAP_RECORD_HEADER) {
    const u8* r = d + p;
    const u32 captured = rec32<LE>(r + 8);
    if (captured > max_captured || captured > n - p - PCAP_RECORD_HEADER) break;
    off[i] = p + PCAP_RECORD_HEADER;
    len[i] = captured;
    const u32 original = rec32<LE>(r + 12);
    orig[i] = original;
    above |= (captured > snap) | (captured > original);
    ts[i] = (double)rec32<LE>(r) + (double)rec32<LE>(r + 4) / units;  // the TS twin's order of operations
    i++;
    p += PCAP_RECORD_HEADER + captured;
  }
  odd = above != 0;
  return i;
}

static inline u32 pcap_records(const u8* d, u32 n, u32 p, bool le, double units, u32 max_captured, u32 snap, u32* off,
                               u32* len, u32* orig, double* ts, u32 i, u32 end, bool& odd) {
  return le ? pcap_records_in<true>(d, n, p, units, max_captured, snap, off, len, orig, ts, i, end, odd)
            : pcap_records_in<false>(d, n, p, units, max_captured, snap, off, len, orig, ts, i, end, odd);
}

}  // namespace laghash

#endif
