/** The flat layouts: every constant of lib/spec.ts equals the one the addon was compiled with. */
import { describe, expect, it } from 'vitest';
import { addonConstants } from '../lib/native.js';
import * as S from '../lib/spec.js';
import { nativeAvailable } from './helpers/backends.js';

describe.skipIf(!nativeAvailable)('spec layout (skipped: native addon not loaded)', () => {
  it('every native constant equals its TypeScript twin', () => {
    const c = addonConstants()!;
    const names = Object.keys(c);
    expect(names.length).toBeGreaterThan(100);
    for (const n of names) expect([n, (S as Record<string, unknown>)[n]]).toEqual([n, c[n]]);
  });
});

describe('spec layout', () => {
  it('walk record slots do not overlap', () => {
    expect(S.W_SLL_ADDR).toBe(S.W_ETH + S.MAX_ETH);
    expect(S.W_NVLAN).toBeGreaterThan(S.W_SLL_ADDR);
    expect(S.W_NMPLS).toBe(S.W_VLAN + S.MAX_VLAN);
    expect(S.W_PPPOE).toBe(S.W_MPLS + S.MAX_MPLS);
    expect(S.W_NIP).toBeGreaterThan(S.W_PPPOE);
    expect(S.W_TUNNEL).toBe(S.W_IP + S.MAX_IP * S.IP_SLOTS);
    expect(S.W_SLOTS).toBeGreaterThan(S.W_INNER_IP);
    expect(S.I_SPI).toBeLessThan(S.IP_SLOTS);
  });
});
