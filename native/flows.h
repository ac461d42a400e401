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
// set no bit. queues: what the caller's four counters of addresses take, as
// word pairs (lo, hi), queue k holding queues[k] pairs from
// queues[KEYS_HEAD + 2kn] (the counts go on from call to call):
//   KEY_INNER  the inner flow of every frame that crossed a tunnel
//   KEY_OUTER  the outer flow (the flow key) of each tunnelled flow, once
//   KEY_MAC    the MAC pair of each flow's first frame, and of every frame
//              whose MAC pair differs from its flow's last frame's
//   KEY_IP     the IP pair of each flow's first frame, when it has one
// where a hi word is key_mix(lo) but for KEY_OUTER (the key's two words).
// A key the counter has had is queued again or not (it counts once either
// way): KEY_INNER and KEY_MAC skip a key found in a direct-mapped memory of
// the call's last ones (FLOWS_RECENT slots), so a run of one flow's frames
// queues its inner flow once.
// totals: frames, bytes, frames with IP, with ports, with an even source
// port, tunnelled.
#ifndef LAGHASH_FLOWS_H
#define LAGHASH_FLOWS_H

#include "bytes.h"
#include "murmur3.h"
#include "spec.h"

namespace laghash {

enum : u32 { FLOWS_CORRUPT = 0xFFFFFFFFu, FLOWS_AHEAD = 8, FLOWS_RECENT = 64 };
enum : u32 { KEY_INNER = 0, KEY_OUTER = 1, KEY_MAC = 2, KEY_IP = 3, KEYS_HEAD = 4 };

// The second word of a counter's key made from one 32-bit word.
static inline u32 key_mix(u32 h) { return murmur3_fmix(h ^ 0x5bd1e995u); }

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

// Whether each of the queues has room for count more pairs.
static inline bool queues_room(const u32* queues, u32 n, u32 count) {
  for (u32 k = 0; k < KEYS_HEAD; k++)
    if ((u64)queues[k] + count > n) return false;
  return true;
}

// queues must hold KEYS_HEAD + 8n words, and have room for count more pairs (queues_room: the caller checks).
static inline u32 flow_accumulate(FlowTable& t, u32 configs, const u32* summary, const u32* wire, u32 n, u32 start, u32 count,
                                  const u16* ports, const u32* moved, u32* queues, double* totals) {
  // the table's fields and the counters (flows, queued keys) in locals: stores through the arrays
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
  u32 flows = t.meta[0];
  u32* const inner = queues + KEYS_HEAD;
  u32* const outer = inner + 2 * (u64)n;
  u32* const macs = outer + 2 * (u64)n;
  u32* const ips = macs + 2 * (u64)n;
  u32 ni = 2 * queues[KEY_INNER], no = 2 * queues[KEY_OUTER], nm = 2 * queues[KEY_MAC], np = 2 * queues[KEY_IP];
  u32 recent_inner[FLOWS_RECENT], recent_mac[FLOWS_RECENT];
  for (u32 j = 0; j < FLOWS_RECENT; j++) recent_inner[j] = recent_mac[j] = j ^ 1;  // slot j holds no key of slot j
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
    bool fresh = false, new_mac = false;
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
      fresh = new_mac = true;
    } else {
      f = (u32)index[slot];
      if (f >= flows) {
        r = FLOWS_CORRUPT;
        break;
      }
      new_mac = mac[f] != m;
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
    if (fl & SUM_TUNNEL) {
      if (recent_inner[s[2] % FLOWS_RECENT] != s[2]) {
        recent_inner[s[2] % FLOWS_RECENT] = s[2];
        inner[ni++] = s[2];
        inner[ni++] = key_mix(s[2]);
      }
      if (fresh) {
        outer[no++] = lo;
        outer[no++] = hi;
      }
    }
    if (new_mac && recent_mac[m % FLOWS_RECENT] != m) {
      recent_mac[m % FLOWS_RECENT] = m;
      macs[nm++] = m;
      macs[nm++] = key_mix(m);
    }
    if (fresh && (fl & SUM_IP)) {
      ips[np++] = s[4];
      ips[np++] = key_mix(s[4]);
    }
    tot[0] += 1;
    tot[1] += len;
    tot[2] += (fl & SUM_IP) != 0;
    tot[3] += (fl & SUM_PORTS) != 0;
    tot[4] += (fl & SUM_PORTS) && !(fl & 1);
    tot[5] += (fl & SUM_TUNNEL) != 0;
  }
  t.meta[0] = flows;
  queues[KEY_INNER] = ni / 2;
  queues[KEY_OUTER] = no / 2;
  queues[KEY_MAC] = nm / 2;
  queues[KEY_IP] = np / 2;
  if (r) return r;
  for (u32 k = 0; k < 6; k++) totals[k] += (double)tot[k];
  return i;
}

}  // namespace laghash

#endif
