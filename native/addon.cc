// addon.cc - N-API glue only: unpack flat arguments, call the header-only
// engine (batch.h), return status codes. No logic lives here.
//
// Contract with lib/native.ts (the only caller): TypeScript validates argument
// shapes once per call and turns status codes into typed errors. This file
// still checks what memory safety needs (typed array kinds and lengths, every
// frame's bounds) and throws a plain TypeError only for shapes TypeScript
// never sends. It keeps no pointer after a call returns, except the bound
// form, which keeps the arrays it was given alive (so their memory stays) and
// whose TypeScript wrapper rejects detached or resized buffers before every
// call.
//
// Hot paths use raw napi_* calls: node-addon-api's typed array wrapper reads
// the array info twice.
#include <node_api.h>

#include <new>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "batch.h"
#include "capture.h"
#include "flows.h"

using namespace laghash;

namespace {

struct Arr {
  void* data = nullptr;
  size_t length = 0;  // elements
  bool null = true;
};

bool fail(napi_env env, const char* msg) {
  napi_throw_type_error(env, "ERR_LAGHASH_NATIVE_ARGUMENT", msg);
  return false;
}

// A typed array of the given kind, or null/undefined when nullable. One
// N-API call in the common case (a typed array): napi_get_typedarray_info
// refuses anything else, and only then is the value's type asked.
bool get_array(napi_env env, napi_value v, napi_typedarray_type want, bool nullable, Arr& a, const char* what) {
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, v, &type, &a.length, &a.data, nullptr, nullptr) == napi_ok) {
    if (type != want) return fail(env, what);
    a.null = false;
    return true;
  }
  napi_valuetype t;
  if (nullable && napi_typeof(env, v, &t) == napi_ok && (t == napi_null || t == napi_undefined)) {
    a = Arr{};
    return true;
  }
  return fail(env, what);
}

bool get_u32(napi_env env, napi_value v, u32& out, const char* what) {
  if (napi_get_value_uint32(env, v, &out) != napi_ok) return fail(env, what);
  return true;
}

// The call's arguments, exactly N of them (and the function's data pointer).
template <size_t N>
bool get_args(napi_env env, napi_callback_info info, napi_value (&a)[N], void** data = nullptr) {
  size_t argc = N;
  if (napi_get_cb_info(env, info, &argc, a, nullptr, data) != napi_ok || argc != N) return fail(env, "argument count");
  return true;
}

napi_value int_value(napi_env env, int64_t v) {
  napi_value r;
  napi_create_int64(env, v, &r);
  return r;
}

// Frames from (data, offsets|null, stride, lengths, link, links|null); checks
// that the index range [start, start + count) exists in every per-frame array.
bool get_frames(napi_env env, napi_value* a, u32 start, u32 count, Frames& b) {
  Arr data, offsets, lengths, links;
  u32 stride, link;
  if (!get_array(env, a[0], napi_uint8_array, false, data, "data") ||
      !get_array(env, a[1], napi_uint32_array, true, offsets, "offsets") ||
      !get_u32(env, a[2], stride, "stride") ||
      !get_array(env, a[3], napi_uint32_array, false, lengths, "lengths") ||
      !get_u32(env, a[4], link, "link") ||
      !get_array(env, a[5], napi_uint16_array, true, links, "links"))
    return false;
  const u64 end = (u64)start + count;
  if (end > lengths.length || (!offsets.null && end > offsets.length) || (!links.null && end > links.length))
    return fail(env, "frame range");
  u64 held = lengths.length;
  if (!offsets.null && offsets.length < held) held = offsets.length;
  if (!links.null && links.length < held) held = links.length;
  b = Frames{(const u8*)data.data, data.length, (const u32*)offsets.data, stride,
             (const u32*)lengths.data, (const u16*)links.data, link, (u32)(held > 0xffffffffu ? 0xffffffffu : held)};
  return true;
}

bool get_policy(napi_env env, napi_value spec_v, napi_value tables_v, Policy& p) {
  Arr spec, tables;
  if (!get_array(env, spec_v, napi_uint32_array, false, spec, "spec") ||
      !get_array(env, tables_v, napi_uint32_array, true, tables, "tables"))
    return false;
  if (!policy_decode((const u32*)spec.data, (u32)spec.length, (const u32*)tables.data, (u32)tables.length, p))
    return fail(env, "policy spec");
  return true;
}

// (selSpec, selTable, stats|null): the selector, over the caller's table and
// counters (stats_v nullptr: the call has none).
bool get_selector(napi_env env, napi_value spec_v, napi_value table_v, napi_value stats_v, Selector& s) {
  Arr spec, table, stats;
  if (!get_array(env, spec_v, napi_uint32_array, false, spec, "selector spec") ||
      !get_array(env, table_v, napi_uint32_array, false, table, "selector table") ||
      (stats_v && !get_array(env, stats_v, napi_float64_array, true, stats, "selector stats")))
    return false;
  if (table.length > 0xffffffffu || stats.length > 0xffffffffu ||
      !selector_decode((const u32*)spec.data, (u32)spec.length, (u32*)table.data, (u32)table.length,
                       (double*)stats.data, (u32)stats.length, s))
    return fail(env, "selector spec");
  return true;
}

// The arguments hash and select share: frames, the range, the policy.
struct BatchCall {
  u32 start, count;
  Frames b;
  Policy p;
};

bool get_batch_call(napi_env env, napi_value* a, BatchCall& c) {
  return get_u32(env, a[6], c.start, "start") && get_u32(env, a[7], c.count, "count") &&
         get_frames(env, a, c.start, c.count, c.b) && get_policy(env, a[8], a[9], c.p);
}

// The output array: of the given kind, with room for the call's range.
bool get_out(napi_env env, napi_value v, napi_typedarray_type kind, const BatchCall& c, Arr& out) {
  if (!get_array(env, v, kind, false, out, "out")) return false;
  if ((u64)c.start + c.count > out.length) return fail(env, "out length");
  return true;
}

// hash(data, offsets, stride, lengths, link, links, start, count, spec, tables, out)
//   -> -1, or the index of the first frame outside data (nothing written)
napi_value Hash(napi_env env, napi_callback_info info) {
  napi_value a[11];
  if (!get_args(env, info, a)) return nullptr;
  BatchCall c;
  Arr out;
  if (!get_batch_call(env, a, c) || !get_out(env, a[10], napi_uint32_array, c, out)) return nullptr;
  int64_t bad = first_bad_frame(c.b, c.start, c.count);
  if (bad < 0) hash_batch(c.p, c.b, c.start, c.count, (u32*)out.data);
  return int_value(env, bad);
}

// select(data, offsets, stride, lengths, link, links, start, count, spec, tables, selSpec, selTable, stats, out)
napi_value Select(napi_env env, napi_callback_info info) {
  napi_value a[14];
  BatchCall c;
  Selector s;
  Arr out;
  if (!get_args(env, info, a) || !get_batch_call(env, a, c) || !get_selector(env, a[10], a[11], a[12], s) ||
      !get_out(env, a[13], napi_uint16_array, c, out))
    return nullptr;
  int64_t bad = first_bad_frame(c.b, c.start, c.count);
  if (bad < 0) select_batch(c.p, s, c.b, c.start, c.count, (u16*)out.data);
  return int_value(env, bad);
}

// tally(hashes, wire, start, count, states, ports, moved, counters): states is
// an array [spec, table, spec, table, ...]: the normal selector state, then one
// per failure (at most 32). See batch.h tally().
napi_value Tally(napi_env env, napi_callback_info info) {
  napi_value a[8];
  u32 start, count, n_states;
  Arr hashes, wire, ports, moved, counters;
  if (!get_args(env, info, a) || !get_array(env, a[0], napi_uint32_array, false, hashes, "hashes") ||
      !get_array(env, a[1], napi_uint32_array, false, wire, "wire") || !get_u32(env, a[2], start, "start") ||
      !get_u32(env, a[3], count, "count") || !get_array(env, a[5], napi_uint16_array, false, ports, "ports") ||
      !get_array(env, a[6], napi_uint32_array, false, moved, "moved") ||
      !get_array(env, a[7], napi_float64_array, false, counters, "counters"))
    return nullptr;
  bool is_array = false;
  if (napi_is_array(env, a[4], &is_array) != napi_ok || !is_array || napi_get_array_length(env, a[4], &n_states) != napi_ok ||
      n_states < 2 || n_states % 2 || n_states > 66)
    return fail(env, "states"), nullptr;
  Selector states[33];
  for (u32 k = 0; k < n_states / 2; k++) {
    napi_value spec, table;
    if (napi_get_element(env, a[4], 2 * k, &spec) != napi_ok || napi_get_element(env, a[4], 2 * k + 1, &table) != napi_ok ||
        !get_selector(env, spec, table, nullptr, states[k]))
      return nullptr;
    if (states[k].kind == SK_SAME_PORT || states[k].kind != states[0].kind || states[k].ports != states[0].ports)
      return fail(env, "tally needs hash selectors of one kind and port count"), nullptr;
  }
  if (states[0].ports > TALLY_MAX_PORTS) return fail(env, "tally: too many ports"), nullptr;
  const u32 fails = n_states / 2 - 1;
  const u64 end = (u64)start + count;
  if (end > hashes.length || end > wire.length || end > ports.length || end > moved.length ||
      counters.length < 2ull * states[0].ports + 2ull * fails)
    return fail(env, "range"), nullptr;
  tally(states[0], states + 1, fails, (const u32*)hashes.data, (const u32*)wire.data, start, count, (u16*)ports.data,
        (u32*)moved.data, (double*)counters.data);
  return nullptr;
}

// accumulate(table, configs, summary, wire, n, start, count, ports, moved, queues, totals)
//   table: [slots, index, keys, frames, bytes, mac, pmask, mmask, meta] (flows.h)
//   -> the first frame not added (a full table), start + count, or -1 when the table is corrupt
napi_value Accumulate(napi_env env, napi_callback_info info) {
  napi_value a[11];
  if (!get_args(env, info, a)) return nullptr;
  bool is_array = false;
  u32 len = 0;
  if (napi_is_array(env, a[0], &is_array) != napi_ok || !is_array || napi_get_array_length(env, a[0], &len) != napi_ok || len != 9)
    return fail(env, "flow table"), nullptr;
  static const napi_typedarray_type kinds[9] = {napi_float64_array, napi_int32_array, napi_float64_array, napi_float64_array,
                                                 napi_float64_array, napi_uint32_array, napi_uint32_array, napi_uint32_array,
                                                 napi_uint32_array};
  Arr t[9];
  for (u32 k = 0; k < 9; k++) {
    napi_value v;
    if (napi_get_element(env, a[0], k, &v) != napi_ok || !get_array(env, v, kinds[k], false, t[k], "flow table")) return nullptr;
  }
  u32 configs, n, start, count;
  Arr summary, wire, ports, moved, queues, totals;
  if (!get_u32(env, a[1], configs, "configs") || !get_array(env, a[2], napi_uint32_array, false, summary, "summary") ||
      !get_array(env, a[3], napi_uint32_array, false, wire, "wire") || !get_u32(env, a[4], n, "n") ||
      !get_u32(env, a[5], start, "start") || !get_u32(env, a[6], count, "count") ||
      !get_array(env, a[7], napi_uint16_array, false, ports, "ports") ||
      !get_array(env, a[8], napi_uint32_array, false, moved, "moved") ||
      !get_array(env, a[9], napi_uint32_array, false, queues, "queues") ||
      !get_array(env, a[10], napi_float64_array, false, totals, "totals"))
    return nullptr;
  const u64 slots = t[0].length, cap = t[2].length;
  const bool shape = slots >= 2 && (slots & (slots - 1)) == 0 && slots <= 0x80000000ull && t[1].length == slots && cap < slots &&
                     t[3].length >= cap && t[4].length >= cap && t[5].length >= cap && t[6].length >= cap * configs &&
                     t[7].length >= cap * configs && t[8].length >= 1 && ((u32*)t[8].data)[0] <= cap;
  const u64 end = (u64)start + count;
  if (!shape || configs == 0 || end > n || summary.length < (u64)n * SUM_WORDS || wire.length < n ||
      ports.length < (u64)configs * n || moved.length < (u64)configs * n || queues.length < KEYS_HEAD + 8ull * n ||
      !queues_room((const u32*)queues.data, n, count) || totals.length < 6)
    return fail(env, "accumulate arguments"), nullptr;
  FlowTable ft{(double*)t[0].data, (i32*)t[1].data, (u32)(slots - 1), (double*)t[2].data, (double*)t[3].data,
               (double*)t[4].data, (u32*)t[5].data, (u32*)t[6].data, (u32*)t[7].data, (u32)cap, (u32*)t[8].data};
  const u32 r = flow_accumulate(ft, configs, (const u32*)summary.data, (const u32*)wire.data, n, start, count,
                                (const u16*)ports.data, (const u32*)moved.data, (u32*)queues.data, (double*)totals.data);
  return int_value(env, r == FLOWS_CORRUPT ? -1 : (int64_t)r);
}

// summarize(data, offsets, stride, lengths, link, links, start, count, out)
//   out[i * SUM_WORDS ..]: frame i's summary (spec.h SUM_*); -> -1 or the first frame outside data
napi_value Summarize(napi_env env, napi_callback_info info) {
  napi_value a[9];
  u32 start, count;
  Frames b;
  Arr out;
  if (!get_args(env, info, a) || !get_u32(env, a[6], start, "start") || !get_u32(env, a[7], count, "count") ||
      !get_frames(env, a, start, count, b) || !get_array(env, a[8], napi_uint32_array, false, out, "out"))
    return nullptr;
  if (((u64)start + count) * SUM_WORDS > out.length) return fail(env, "out length"), nullptr;
  int64_t bad = first_bad_frame(b, start, count);
  if (bad < 0) summary_batch(b, start, count, (u32*)out.data);
  return int_value(env, bad);
}

// selectHashes(hashes, start, count, selSpec, selTable, out): out[i] = the
// port of hashes[i], for i in [start, start + count). Counters are not kept.
napi_value SelectHashes(napi_env env, napi_callback_info info) {
  napi_value a[6];
  u32 start, count;
  Selector s;
  Arr hashes, out;
  if (!get_args(env, info, a) || !get_array(env, a[0], napi_uint32_array, false, hashes, "hashes") ||
      !get_u32(env, a[1], start, "start") || !get_u32(env, a[2], count, "count") ||
      !get_selector(env, a[3], a[4], nullptr, s) || !get_array(env, a[5], napi_uint16_array, false, out, "out"))
    return nullptr;
  if (s.kind == SK_SAME_PORT) return fail(env, "selectHashes needs a hash selector"), nullptr;
  if ((u64)start + count > hashes.length || (u64)start + count > out.length) return fail(env, "range"), nullptr;
  select_hashes(s, (const u32*)hashes.data, start, count, (u16*)out.data);
  return nullptr;
}

// learn(data, offsets, stride, lengths, link, links, start, count, selSpec, selTable, stats, arrival)
//   same-port: frame i arrived on port arrival[i]
napi_value Learn(napi_env env, napi_callback_info info) {
  napi_value a[12];
  u32 start, count;
  Frames b;
  Selector s;
  Arr arrival;
  if (!get_args(env, info, a) || !get_u32(env, a[6], start, "start") || !get_u32(env, a[7], count, "count") ||
      !get_frames(env, a, start, count, b) || !get_selector(env, a[8], a[9], a[10], s) ||
      !get_array(env, a[11], napi_uint16_array, false, arrival, "arrival"))
    return nullptr;
  if (s.kind != SK_SAME_PORT) return fail(env, "learn needs a same-port selector"), nullptr;
  if ((u64)start + count > arrival.length) return fail(env, "arrival length"), nullptr;
  int64_t bad = first_bad_frame(b, start, count);
  if (bad < 0) learn_batch(s, b, start, count, (const u16*)arrival.data);
  return int_value(env, bad);
}

// placeTable(bytes) -> the offset in bytes at which a table of cache lines
// should start (the address of bytes' data rounded up to 64). A large buffer
// (8 MB or more) is also offered to the kernel for transparent huge pages on
// Linux, before anything touches it: a conversation table's random lookups
// then cost far fewer TLB misses. Advice only; its failure is ignored.
napi_value PlaceTable(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (!get_args(env, info, a)) return nullptr;
  Arr bytes;
  if (!get_array(env, a[0], napi_uint8_array, false, bytes, "bytes")) return nullptr;
  const uintptr_t at = (uintptr_t)bytes.data;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const uintptr_t huge = (uintptr_t)2 << 20;
  if (bytes.length >= 4 * huge) {
    const uintptr_t lo = (at + huge - 1) & ~(huge - 1), hi = (at + bytes.length) & ~(huge - 1);
    if (hi > lo) (void)madvise((void*)lo, hi - lo, MADV_HUGEPAGE);
  }
#endif
  napi_value r;
  napi_create_uint32(env, (u32)((64 - (at & 63)) & 63), &r);
  return r;
}

// touch(data, offsets, stride, lengths, link, links, start, count, bytes) -> checksum (benchmark baseline)
napi_value Touch(napi_env env, napi_callback_info info) {
  napi_value a[9];
  if (!get_args(env, info, a)) return nullptr;
  u32 start, count, bytes;
  Frames b;
  if (!get_u32(env, a[6], start, "start") || !get_u32(env, a[7], count, "count") ||
      !get_u32(env, a[8], bytes, "bytes") || !get_frames(env, a, start, count, b))
    return nullptr;
  if (first_bad_frame(b, start, count) >= 0) return fail(env, "frame bounds"), nullptr;
  napi_value r;
  napi_create_double(env, (double)(touch_batch(b, start, count, bytes) & 0xffffffffu), &r);
  return r;
}

// pcapRecords(bytes, p, le, units, maxCaptured, snap, offsets, lengths, originals, timestamps, start, end)
//   -> the next free slot, plus 2^32 when a record taken is odd (capture.h pcap_records)
napi_value PcapRecords(napi_env env, napi_callback_info info) {
  napi_value a[12];
  Arr bytes, off, len, orig, ts;
  u32 p, max_captured, snap, start, end;
  bool le;
  double units;
  if (!get_args(env, info, a) || !get_array(env, a[0], napi_uint8_array, false, bytes, "bytes") ||
      !get_u32(env, a[1], p, "p") || (napi_get_value_bool(env, a[2], &le) != napi_ok && !fail(env, "le")) ||
      (napi_get_value_double(env, a[3], &units) != napi_ok && !fail(env, "units")) ||
      !get_u32(env, a[4], max_captured, "maxCaptured") || !get_u32(env, a[5], snap, "snap") ||
      !get_array(env, a[6], napi_uint32_array, false, off, "offsets") ||
      !get_array(env, a[7], napi_uint32_array, false, len, "lengths") ||
      !get_array(env, a[8], napi_uint32_array, false, orig, "originals") ||
      !get_array(env, a[9], napi_float64_array, false, ts, "timestamps") || !get_u32(env, a[10], start, "start") ||
      !get_u32(env, a[11], end, "end"))
    return nullptr;
  if (bytes.length > 0xffffffffu || p > bytes.length || start > end || end > off.length || end > len.length ||
      end > orig.length || end > ts.length)
    return fail(env, "pcapRecords range"), nullptr;
  bool odd = false;
  const u32 next = pcap_records((const u8*)bytes.data, (u32)bytes.length, p, le, units, max_captured, snap,
                                (u32*)off.data, (u32*)len.data, (u32*)orig.data, (double*)ts.data, start, end, odd);
  napi_value r;
  napi_create_double(env, (double)next + (odd ? 4294967296.0 : 0.0), &r);
  return r;
}

// dissect(data, offset, length, link, out Int32Array[W_SLOTS])
napi_value Dissect(napi_env env, napi_callback_info info) {
  napi_value a[5];
  if (!get_args(env, info, a)) return nullptr;
  Arr data, out;
  u32 offset, length, link;
  if (!get_array(env, a[0], napi_uint8_array, false, data, "data") || !get_u32(env, a[1], offset, "offset") ||
      !get_u32(env, a[2], length, "length") || !get_u32(env, a[3], link, "link") ||
      !get_array(env, a[4], napi_int32_array, false, out, "out"))
    return nullptr;
  if ((u64)offset + length > data.length || out.length < W_SLOTS) return fail(env, "dissect bounds"), nullptr;
  walk((const u8*)data.data + offset, length, link, (i32*)out.data, true);
  return nullptr;
}

// murmur3(bytes, seed) -> u32: MurmurHash3_x86_32 (tested against published vectors)
napi_value Murmur3(napi_env env, napi_callback_info info) {
  napi_value a[2];
  Arr data;
  u32 seed;
  if (!get_args(env, info, a) || !get_array(env, a[0], napi_uint8_array, false, data, "bytes") || !get_u32(env, a[1], seed, "seed"))
    return nullptr;
  napi_value r;
  napi_create_uint32(env, murmur3_bytes((const u8*)data.data, (u32)data.length, seed), &r);
  return r;
}

// ---- the bound form -------------------------------------------------------

// The frame arrays, the tables and out are held by the bound function itself
// (a read-only, non-enumerable property): they live exactly as long as it and
// are garbage collected with it. Only the selector arrays, read again on every
// call, are references, which the function's finalizer releases. Node runs
// finalizers on a later turn of the event loop, so a synchronous loop that binds
// again and again keeps its Bound records (a few hundred bytes each) until it
// yields, but not the arrays (npm run test:leak).
enum { BOUND_REFS = 3 };

struct Bound {
  napi_ref refs[BOUND_REFS];
  u32 nrefs = 0;
  Frames frames;
  u32 frame_count;  // frames the per-frame arrays hold
  Policy policy;
  u32 spec[S_LEN];  // the policy spec, copied
  napi_ref selector[3] = {nullptr, nullptr, nullptr};  // selSpec, selTable, stats: read again on every call
  void* out;
  u32 out_len;
};

void bound_finalize(napi_env env, void* data, void*) {
  Bound* bd = (Bound*)data;
  for (u32 i = 0; i < bd->nrefs; i++) napi_delete_reference(env, bd->refs[i]);
  delete bd;
}

bool hold(napi_env env, Bound* bd, napi_value v, napi_ref* slot = nullptr) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) return true;
  if (bd->nrefs == BOUND_REFS) return false;
  if (napi_create_reference(env, v, 1, &bd->refs[bd->nrefs]) != napi_ok) return false;
  if (slot) *slot = bd->refs[bd->nrefs];
  bd->nrefs++;
  return true;
}

napi_value ref_value(napi_env env, napi_ref r) {
  napi_value v = nullptr;
  if (r) napi_get_reference_value(env, r, &v);
  else napi_get_null(env, &v);
  return v;
}

// The bound call: (start, count) -> -1 or the first frame outside the buffer.
napi_value BoundCall(napi_env env, napi_callback_info info) {
  napi_value a[2];
  void* data = nullptr;
  u32 start = 0, count = 0;
  if (!get_args(env, info, a, &data) || !get_u32(env, a[0], start, "start") || !get_u32(env, a[1], count, "count"))
    return nullptr;
  Bound* bd = (Bound*)data;
  const u64 end = (u64)start + count;
  if (end > bd->frame_count || end > bd->out_len) return fail(env, "bound range"), nullptr;
  Selector s;
  const bool select = bd->selector[0] != nullptr;
  if (select && !get_selector(env, ref_value(env, bd->selector[0]), ref_value(env, bd->selector[1]), ref_value(env, bd->selector[2]), s))
    return nullptr;
  int64_t bad = first_bad_frame(bd->frames, start, count);
  if (bad < 0) {
    if (select) select_batch(bd->policy, s, bd->frames, start, count, (u16*)bd->out);
    else hash_batch(bd->policy, bd->frames, start, count, (u32*)bd->out);
  }
  return int_value(env, bad);
}

// bind(data, offsets, stride, lengths, link, links, spec, tables, selSpec|null, selTable|null, stats|null, out) -> function
napi_value Bind(napi_env env, napi_callback_info info) {
  napi_value a[12];
  Arr lengths;
  if (!get_args(env, info, a) || !get_array(env, a[3], napi_uint32_array, false, lengths, "lengths")) return nullptr;
  Bound* bd = new (std::nothrow) Bound();
  if (!bd) return fail(env, "out of memory"), nullptr;
  bd->frame_count = (u32)lengths.length;
  napi_valuetype st;
  napi_typeof(env, a[8], &st);
  const bool select = st != napi_null && st != napi_undefined;
  Arr out;
  Selector check;
  bool ok = get_frames(env, a, 0, bd->frame_count, bd->frames) && get_policy(env, a[6], a[7], bd->policy) &&
            (!select || get_selector(env, a[8], a[9], a[10], check)) &&
            get_array(env, a[11], select ? napi_uint16_array : napi_uint32_array, false, out, "out");
  napi_value fn = nullptr;
  if (ok) {
    bd->out = out.data;
    bd->out_len = (u32)out.length;
    ok = napi_create_function(env, "boundBatch", NAPI_AUTO_LENGTH, BoundCall, bd, &fn) == napi_ok;
  }
  static const int held[] = {0, 1, 3, 5, 7, 11};  // data, offsets, lengths, links, tables, out
  napi_value arrays = nullptr;
  if (ok) ok = napi_create_array_with_length(env, 6, &arrays) == napi_ok;
  for (uint32_t i = 0; i < 6 && ok; i++) ok = napi_set_element(env, arrays, i, a[held[i]]) == napi_ok;
  if (ok) {
    const napi_property_descriptor keep = {"arrays", nullptr, nullptr, nullptr, nullptr, arrays, napi_default, nullptr};
    ok = napi_define_properties(env, fn, 1, &keep) == napi_ok;
  }
  for (int i = 0; i < 3 && ok && select; i++) ok = hold(env, bd, a[8 + i], &bd->selector[i]);
  if (ok) ok = napi_add_finalizer(env, fn, bd, bound_finalize, nullptr, nullptr) == napi_ok;
  if (!ok) {
    for (u32 i = 0; i < bd->nrefs; i++) napi_delete_reference(env, bd->refs[i]);
    delete bd;
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) fail(env, "bind");
    return nullptr;
  }
  return fn;
}

// ---- constants, for test/spec.test.ts --------------------------------------

void set_const(napi_env env, napi_value obj, const char* name, u32 v) {
  napi_value n;
  napi_create_uint32(env, v, &n);
  napi_set_named_property(env, obj, name, n);
}

napi_value Constants(napi_env env) {
  napi_value o;
  napi_create_object(env, &o);
#define C(name) set_const(env, o, #name, name)
  C(LINK_ETHERNET); C(LINK_RAW); C(LINK_SLL); C(LINK_IPV4); C(LINK_IPV6); C(LINK_SLL2);
  C(S_KIND); C(S_FLAGS); C(S_ARG); C(S_SEED); C(S_HASHFN); C(S_LEN);
  C(P_LINUX_L2); C(P_LINUX_L23); C(P_LINUX_L34); C(P_LINUX_E23); C(P_LINUX_E34); C(P_LINUX_VLAN_SRCMAC);
  C(P_DPDK_L2); C(P_DPDK_L23); C(P_DPDK_L34); C(P_TEAM); C(P_TOEPLITZ); C(P_FIELDS);
  C(F_VLAN_INBAND); C(F_SYMMETRIC); C(F_INNER); C(F_L2_FALLBACK);
  C(T_ETH); C(T_VLAN); C(T_IPV4); C(T_IPV6); C(T_TCP); C(T_UDP); C(T_SCTP);
  C(R_TCP); C(R_UDP); C(R_SCTP); C(TOEPLITZ_INPUT_MAX); C(TOEPLITZ_TABLE_LEN);
  C(FLD_SRC_MAC); C(FLD_DST_MAC); C(FLD_ETHER_TYPE); C(FLD_VLAN); C(FLD_SRC_IP); C(FLD_DST_IP);
  C(FLD_IP_PROTO); C(FLD_FLOW_LABEL); C(FLD_SRC_PORT); C(FLD_DST_PORT); C(FLD_TUNNEL_ID); C(FLD_MPLS_LABEL);
  C(HASH_XOR); C(HASH_MURMUR3);
  C(SEL_KIND); C(SEL_COUNT); C(SEL_BUCKETS); C(SEL_NOW); C(SEL_FLAGS); C(SEL_PORTS); C(SEL_MAXIDLE); C(SEL_FIRST); C(SEL_LEN);
  C(SK_MODULO); C(SK_TEAM); C(SK_TABLE); C(SK_RESILIENT); C(SK_RENDEZVOUS); C(SK_SAME_PORT);
  C(SF_COUNT); C(SF_FLOW_KEY); C(SF_HTPM); C(SF_STAMP);
  C(SUM_WORDS); C(SUM_SEED_A); C(SUM_SEED_B); C(SUM_PORTS); C(SUM_IP); C(SUM_TUNNEL);
  C(PORT_LIMIT); C(NO_PORT); C(PORT_NONE); C(TEAM_HTPM_LEN); C(RDV_WORDS); C(RDV_LOG2_LEN); C(CONV_WORDS); C(CONV_WAYS); C(CONV_STATS);
  C(ST_OK); C(ST_TRUNCATED); C(ST_UNSUPPORTED); C(ST_TOO_DEEP); C(ST_MALFORMED); C(ST_BAD_LINK);
  C(MAX_ETH); C(MAX_VLAN); C(MAX_MPLS); C(MAX_IP); C(MAX_IP6_EXT); C(MAX_HEADERS);
  C(W_STATUS); C(W_LINKTYPE); C(W_END); C(W_FLAGS); C(W_ETHERTYPE); C(W_L3TYPE); C(W_NETH); C(W_ETH);
  C(W_SLL_ADDR); C(W_NVLAN); C(W_VLAN); C(W_NMPLS); C(W_MPLS); C(W_PPPOE); C(W_NIP); C(W_IP); C(IP_SLOTS);
  C(W_TUNNEL); C(W_TUNNEL_ID); C(W_INNER_IP); C(W_SLOTS);
  C(WF_ETHERNET); C(WF_LLC); C(WF_SLL); C(WF_RAW);
  C(I_KIND); C(I_VERSION); C(I_OFF); C(I_NEXT); C(I_PROTO); C(I_L4OFF); C(I_FRAG); C(I_FLOW); C(I_L4FLAGS);
  C(I_SPORT); C(I_DPORT); C(I_ICMP); C(I_SPI);
  C(IK_OUTER); C(IK_TUNNELLED); C(IK_QUOTED); C(IF_FRAGMENT); C(IF_MORE); C(IF_FRAG_HEADER);
  C(L4_PORTS); C(L4_ICMP); C(L4_ICMP_ID); C(L4_SPI);
  C(TUN_NONE); C(TUN_GRE); C(TUN_IPIP); C(TUN_VXLAN); C(TUN_GENEVE); C(TUN_MPLS_IP); C(TUN_ERSPAN); C(TUN_PPTP);
#undef C
  return o;
}

void export_fn(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn);
  napi_set_named_property(env, exports, name, fn);
}

napi_value Init(napi_env env, napi_value exports) {
  export_fn(env, exports, "hash", Hash);
  export_fn(env, exports, "select", Select);
  export_fn(env, exports, "learn", Learn);
  export_fn(env, exports, "selectHashes", SelectHashes);
  export_fn(env, exports, "summarize", Summarize);
  export_fn(env, exports, "tally", Tally);
  export_fn(env, exports, "accumulate", Accumulate);
  export_fn(env, exports, "touch", Touch);
  export_fn(env, exports, "placeTable", PlaceTable);
  export_fn(env, exports, "dissect", Dissect);
  export_fn(env, exports, "pcapRecords", PcapRecords);
  export_fn(env, exports, "murmur3", Murmur3);
  export_fn(env, exports, "bind", Bind);
  napi_set_named_property(env, exports, "constants", Constants(env));
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
