// flows.h - the exact flow table of `laghash analyze`, in arrays the caller
// owns (the TS twin, lib/js/flows.ts, keeps the same arrays the same way):
//
//   slots[m]   key of each slot (a 53-bit flow key as a double), -1 when empty;
//              m a power of two, at least twice the capacity; linear probing
//              from the key's low word
//   index[m]   the flow number of each slot
//   keys[cap], frames[cap], bytes[cap], mac[cap]: per flow, in order of arrival
//   pmask[cap * C], mmask[cap * C]: per flow and configuration, the ports its
//              frames went to and the failures that moved them
//   meta[0]    flows so far
//
// flow_accumulate() adds frames [start, start + count): their summaries
// (spec.h SUM_*), wire lengths, and per configuration c their ports
// ports[c * n + i] and moved masks moved[c * n + i]. It stops at the first
// frame of a new flow when the table is full and returns that frame (the
// caller grows the arrays and calls again), else start + count; FLOWS_CORRUPT
// when the arrays are not a table it filled (a full probe cycle, an index past
// the flows; the call's work is then void). Ports of 32 and above (NO_PORT)
// set no bit. events: the frames the caller looks at again, events[0] of
// them after it, each i | flags << 24: FL_NEW_FLOW, FL_NEW_MAC (the flow's
// MAC pair differs from its last frame's), FL_TUNNEL (the frame crossed one).
// totals: frames, bytes, frames with IP, with ports, with an even source
// port, tunnelled.
#ifndef LAGHASH_FLOWS_H
#define LAGHASH_FLOWS_H

#include "bytes.h"
#include "spec.h"

namespace laghash {

enum : u32 { FL_NEW_FLOW = 1, FL_NEW_MAC = 2, FL_TUNNEL = 4, FLOWS_CORRUPT = 0xFFFFFFFFu, FLOWS_AHEAD = 8 };

struct FlowTable {
  double* slots;
  i32* index;
  u32 mask;  // slots - 1
  double* keys;
  double* frames;
  double* bytes;
  u32* mac;
  u32* pmask;
  u32* mmask;
  u32 capacity;
  u32* meta;
};

static inline u32 flow_accumulate(FlowTable& t, u32 configs, const u32* summary, const u32* wire, u32 n, u32 start, u32 count,
                                  const u16* ports, const u32* moved, u32* events, double* totals) {
  const u32 end = start + count;
  u64 tot[6] = {0, 0, 0, 0, 0, 0};  // added to totals on the way out (locals: no aliasing with the table)
  u32 i = start;
  for (; i < end; i++) {
    if (i + FLOWS_AHEAD < end) __builtin_prefetch(t.slots + (summary[(u64)(i + FLOWS_AHEAD) * SUM_WORDS] & t.mask));
    const u32* s = summary + (u64)i * SUM_WORDS;
    const u32 lo = s[0], hi = s[1], len = wire[i], fl = s[5];
    const double key = (double)lo + (double)(hi & 0x1fffff) * 4294967296.0;
    u32 slot = lo & t.mask, probes = 0;
    while (t.slots[slot] >= 0 && t.slots[slot] != key) {
      if (++probes > t.mask) return FLOWS_CORRUPT;  // no empty slot: not a table this code filled
      slot = (slot + 1) & t.mask;
    }
    u32 f;
    u8 flag = 0;
    if (!(t.slots[slot] >= 0)) {
      f = t.meta[0];
      if (f >= t.capacity) break;  // full: the caller grows the table
      t.meta[0] = f + 1;
      t.slots[slot] = key;
      t.index[slot] = (i32)f;
      t.keys[f] = key;
      t.frames[f] = 0;
      t.bytes[f] = 0;
      for (u32 c = 0; c < configs; c++) t.pmask[(u64)f * configs + c] = t.mmask[(u64)f * configs + c] = 0;
      flag = FL_NEW_FLOW | FL_NEW_MAC;
    } else {
      f = (u32)t.index[slot];
      if (f >= t.meta[0]) return FLOWS_CORRUPT;
      if (t.mac[f] != s[3]) flag = FL_NEW_MAC;
    }
    t.mac[f] = s[3];
    t.frames[f] += 1;
    t.bytes[f] += len;
    for (u32 c = 0; c < configs; c++) {
      const u32 p = ports[(u64)c * n + i];
      if (p < 32) t.pmask[(u64)f * configs + c] |= 1u << p;
      t.mmask[(u64)f * configs + c] |= moved[(u64)c * n + i];
    }
    if (fl & SUM_TUNNEL) flag |= FL_TUNNEL;
    if (flag) events[++events[0]] = i | (u32)flag << 24;
    tot[0] += 1;
    tot[1] += len;
    tot[2] += (fl & SUM_IP) != 0;
    tot[3] += (fl & SUM_PORTS) != 0;
    tot[4] += (fl & SUM_PORTS) && !(fl & 1);
    tot[5] += (fl & SUM_TUNNEL) != 0;
  }
  for (u32 k = 0; k < 6; k++) totals[k] += (double)tot[k];
  return i;
}

}  // namespace laghash

#endif
