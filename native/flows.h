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
  // the table's fields and both counters (flows, events) in locals: stores through the arrays
  // cannot then change them, whatever the arrays share, and the loop keeps them in registers
  double* const slots = t.slots;
  i32* const index = t.index;
  double* const keys = t.keys;
  double* const frames = t.frames;
  double* const bytes = t.bytes;
  u32* const mac = t.mac;
  u32* const pmask = t.pmask;
  u32* const mmask = t.mmask;
  const u32 mask = t.mask, capacity = t.capacity;
  u32 flows = t.meta[0], nev = events[0];
  const u32 end = start + count;
  u64 tot[6] = {0, 0, 0, 0, 0, 0};  // added to totals on the way out
  u32 i = start, r = 0;
  for (; i < end; i++) {
    if (i + FLOWS_AHEAD < end) __builtin_prefetch(slots + (summary[(u64)(i + FLOWS_AHEAD) * SUM_WORDS] & mask));
    const u32* s = summary + (u64)i * SUM_WORDS;
    const u32 lo = s[0], hi = s[1], len = wire[i], fl = s[5], m = s[3];
    const double key = (double)lo + (double)(hi & 0x1fffff) * 4294967296.0;
    u32 slot = lo & mask, probes = 0;
    double at;
    while ((at = slots[slot]) >= 0 && at != key) {
      if (++probes > mask) {  // no empty slot: not a table this code filled
        r = FLOWS_CORRUPT;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (r) break;
    u32 f;
    u32 flag = 0;
    if (!(at >= 0)) {
      f = flows;
      if (f >= capacity) break;  // full: the caller grows the table
      flows = f + 1;
      slots[slot] = key;
      index[slot] = (i32)f;
      keys[f] = key;
      frames[f] = 0;
      bytes[f] = 0;
      for (u32 c = 0; c < configs; c++) pmask[(u64)f * configs + c] = mmask[(u64)f * configs + c] = 0;
      flag = FL_NEW_FLOW | FL_NEW_MAC;
    } else {
      f = (u32)index[slot];
      if (f >= flows) {
        r = FLOWS_CORRUPT;
        break;
      }
      if (mac[f] != m) flag = FL_NEW_MAC;
    }
    mac[f] = m;
    frames[f] += 1;
    bytes[f] += len;
    if (configs == 1) {  // the common case: one policy and one selector
      const u32 p = ports[i];
      pmask[f] |= p < 32 ? 1u << p : 0u;
      mmask[f] |= moved[i];
    } else {
      for (u32 c = 0; c < configs; c++) {
        const u32 p = ports[(u64)c * n + i];
        if (p < 32) pmask[(u64)f * configs + c] |= 1u << p;
        mmask[(u64)f * configs + c] |= moved[(u64)c * n + i];
      }
    }
    if (fl & SUM_TUNNEL) flag |= FL_TUNNEL;
    if (flag) events[++nev] = i | flag << 24;
    tot[0] += 1;
    tot[1] += len;
    tot[2] += (fl & SUM_IP) != 0;
    tot[3] += (fl & SUM_PORTS) != 0;
    tot[4] += (fl & SUM_PORTS) && !(fl & 1);
    tot[5] += (fl & SUM_TUNNEL) != 0;
  }
  t.meta[0] = flows;
  events[0] = nev;
  if (r) return r;
  for (u32 k = 0; k < 6; k++) totals[k] += (double)tot[k];
  return i;
}

}  // namespace laghash

#endif
