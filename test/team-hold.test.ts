/**
 * Holding moves: after a change, frames that would have left on a port that
 * stays usable and now go elsewhere are answered HOLD until release(), are
 * not counted as sent, and then select their new port. On both backends.
 */
import { describe, expect, it } from 'vitest';
import { FrameBatch } from '../lib/batch.js';
import { hashBatch } from '../lib/hash.js';
import { HOLD, NO_PORT, Team, type ReleaseEvent } from '../lib/team.js';
import { InvalidArgumentError } from '../lib/errors.js';
import { backends } from './helpers/backends.js';

/** 512 frames with distinct MAC pairs (linux:layer2 spreads them). */
function frames(): FrameBatch {
  return FrameBatch.fromBuffers(Array.from({ length: 512 }, (_, i) => {
    const f = new Uint8Array(60);
    f.set([0x02, 0, 0, 0, i >> 8, i & 0xff, 0x02, 0, 0, 1, 0, 1, 0x08, 0x00]);
    return f;
  }));
}

describe.each(backends())('holding moves (%s)', (_name, backend) => {
  for (const selector of ['modulo', { kind: 'table', buckets: 256 }, 'rendezvous', 'resilient'] as const) {
    it(`holds exactly the frames leaving a port that stays usable (${typeof selector === 'string' ? selector : selector.kind})`, () => {
      const team = new Team({ mode: 'balance', ports: ['a', 'b'], selector, clock: () => 0 }, backend);
      const batch = frames();
      const before = Uint16Array.from(team.selectBatch(batch));
      team.holdMoves(true);
      const ev = team.addPort('c')!;
      expect(ev.hold).toBeDefined();
      expect(ev.hold!.from.sort()).toEqual(['a', 'b']);
      team.portStats();
      const statsBefore = team.portStats();
      const held = Uint16Array.from(team.selectBatch(batch));
      const statsAfter = team.portStats();
      const releases: ReleaseEvent[] = [];
      team.on('release', (e) => releases.push(e));
      expect(team.release(ev.hold!.id, 'test')).toBe(true);
      expect(team.release(ev.hold!.id)).toBe(false);
      expect(releases).toEqual([{ hold: ev.hold!.id, reason: 'test' }]);
      const after = team.selectBatch(batch);
      let nHeld = 0;
      for (let i = 0; i < batch.count; i++) {
        if (before[i] !== after[i]) {
          expect(held[i]).toBe(HOLD);
          nHeld++;
        } else expect(held[i]).toBe(after[i]);
      }
      expect(nHeld).toBeGreaterThan(0);
      // held frames are not counted as sent; the others are
      const sent = statsAfter.reduce((s, p, k) => s + p.txFrames - statsBefore[k].txFrames, 0);
      expect(sent).toBe(batch.count - nHeld);
      expect(team.holdStats()).toMatchObject({ pending: 0, holds: 1, released: 1, heldFrames: nHeld, heldBytes: 60 * nHeld });
    });
  }

  it('does not hold frames of a port that failed: they have nowhere to wait for', () => {
    const team = new Team({ mode: 'balance', ports: ['a', 'b', 'c'], selector: { kind: 'table', buckets: 64 } }, backend);
    team.holdMoves(true);
    const ev = team.setPortUp('c', false)!;
    expect(ev.buckets.length).toBeGreaterThan(0);
    expect(ev.hold).toBeUndefined();
    const out = team.selectBatch(frames());
    expect(out.includes(HOLD)).toBe(false);
    expect(out.includes(NO_PORT)).toBe(false);
  });

  it('holds a rebalance too, and stacks holds until each is released', () => {
    const team = new Team({ mode: 'balance', ports: ['a', 'b'], selector: { kind: 'table', buckets: 16 } }, backend);
    const batch = frames();
    const hashes = hashBatch(batch, team.policy);
    // load every bucket of port a heavily
    for (let r = 0; r < 4; r++) team.selectBatch(batch);
    team.holdMoves(true);
    const e1 = team.setWeight('a', 3)!;
    const e2 = team.rebalance({ minBytes: 0 });
    expect(e1.hold).toBeDefined();
    const pending = team.holdStats().pending;
    expect(pending).toBe(e2?.hold ? 2 : 1);
    team.release(e1.hold!.id);
    if (e2?.hold) team.release(e2.hold.id);
    expect(team.selectBatch(batch).includes(HOLD)).toBe(false);
    expect(hashes.length).toBe(batch.count);
  });

  it('holdMoves needs a selector mode', () => {
    const team = new Team({ mode: 'round-robin', ports: ['a'] }, backend);
    expect(() => team.holdMoves(true)).toThrow(InvalidArgumentError);
    const t2 = new Team({ mode: 'balance', ports: ['a'] }, backend);
    expect(() => t2.holdMoves('yes' as never)).toThrow(InvalidArgumentError);
    expect(() => t2.on('nope' as never, () => undefined)).toThrow(InvalidArgumentError);
  });
});
