/** Twin of native/select.h: map a hash to a port. */
import * as S from '../spec.js';

export interface Selector {
  kind: number;
  count: number;
  table: Uint16Array;
}

export function selector_decode(spec: Uint32Array, table: Uint16Array): Selector | null {
  if (spec.length < S.SEL_LEN || spec[S.SEL_KIND] !== S.SK_MODULO) return null;
  const count = spec[S.SEL_COUNT];
  if (count === 0 || count > table.length) return null;
  for (let i = 0; i < count; i++) if (table[i] >= S.PORT_LIMIT) return null;
  return { kind: S.SK_MODULO, count, table };
}

/** usable[hash % count] */
export function select_port(s: Selector, h: number): number {
  return s.table[(h >>> 0) % s.count];
}
