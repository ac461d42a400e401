/**
 * The classic pcap record loop of the TS twin, the same loop as
 * native/capture.h pcap_records(): the records' positions, lengths and
 * timestamps, nothing else (lib/capture.ts checks the rest).
 */

const RECORD_HEADER = 16;

/**
 * Records from byte p of d while whole ones remain and slots [i, end) are
 * free: record i's data at off[i] (past its 16-byte header), incl_len in
 * len[i], orig_len in orig[i], ts_sec + ts_frac / units in ts[i]. Stops
 * before a record cut short or whose incl_len is above maxCaptured. Returns
 * the next free slot (the position after the last record added is
 * off[i - 1] + len[i - 1]), plus 2^32 when a record taken has an incl_len
 * above snap or above its orig_len.
 */
export function pcap_records(
  d: Uint8Array, p: number, le: boolean, units: number, maxCaptured: number, snap: number,
  off: Uint32Array, len: Uint32Array, orig: Uint32Array, ts: Float64Array, i: number, end: number,
): number {
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength), n = d.length;
  let odd = false;
  while (i < end && n - p >= RECORD_HEADER) {
    const captured = view.getUint32(p + 8, le);
    if (captured > maxCaptured || captured > n - p - RECORD_HEADER) break;
    off[i] = p + RECORD_HEADER;
    len[i] = captured;
    const original = view.getUint32(p + 12, le);
    orig[i] = original;
    if (captured > snap || captured > original) odd = true;
    ts[i] = view.getUint32(p, le) + view.getUint32(p + 4, le) / units;  // ts_sec + ts_usec|ts_nsec
    i++;
    p += RECORD_HEADER + captured;
  }
  return odd ? i + 2 ** 32 : i;
}
