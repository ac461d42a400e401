/**
 * LACP systems over simulated links in simulated time. Each link is a pair of
 * FIFO queues with a delay; a link can lose carrier (both ends see the port
 * go down) or be cut (frames are dropped while carrier stays up, as through a
 * failed middlebox). Time moves from event to event: frame deliveries, the
 * systems' own deadlines (Lacp.nextDeadline) and scheduled callbacks.
 */
import { Lacp, type LacpOptions } from '../../lib/lacp/lacp.js';
import { isSlowProtocolsFrame } from '../../lib/lacp/codec.js';
import { Team, type TeamOptions } from '../../lib/team.js';

export interface SimSystem {
  name: string;
  lacp: Lacp;
  team: Team | null;
  /** Non-LACP frames delivered to this system: (port, frame). */
  data: (port: string, frame: Uint8Array) => void;
  /** Slow Protocols frames this system sent, by port. */
  sent: Map<string, { at: number; frame: Uint8Array }[]>;
}

export interface SimLink {
  a: { sys: SimSystem; port: string };
  b: { sys: SimSystem; port: string };
  delay: number;
  carrier: boolean;
  cut: boolean;
  /** Drop a frame going to this end when it returns true. */
  drop?: (to: SimSystem, frame: Uint8Array) => boolean;
}

interface InFlight {
  at: number;
  seq: number;
  to: SimSystem;
  port: string;
  frame: Uint8Array;
}

export class Sim {
  now = 0;
  readonly clock = () => this.now;
  readonly systems: SimSystem[] = [];
  readonly links: SimLink[] = [];
  private flight: InFlight[] = [];
  private timers: { at: number; fn: () => void }[] = [];
  private seq = 0;

  /** A system with LACP and, when teamOptions are given, a Team in mode lacp over the same ports. */
  system(name: string, options: Omit<LacpOptions, 'clock' | 'team'>, teamOptions?: Omit<TeamOptions, 'mode' | 'clock'>): SimSystem {
    const team = teamOptions ? new Team({ ...teamOptions, mode: 'lacp', clock: this.clock }) : null;
    const sys = { name, team, data: () => undefined, sent: new Map() } as unknown as SimSystem;
    sys.lacp = new Lacp({ ...options, clock: this.clock, team: team ?? undefined });
    this.systems.push(sys);
    sys.lacp.on('send', (port, frame) => {
      const list = sys.sent.get(port) ?? [];
      list.push({ at: this.now, frame });
      sys.sent.set(port, list);
      this.send(sys, port, frame);
    });
    return sys;
  }

  connect(a: SimSystem, aPort: string, b: SimSystem, bPort: string, delay = 1): SimLink {
    const link: SimLink = { a: { sys: a, port: aPort }, b: { sys: b, port: bPort }, delay, carrier: true, cut: false };
    this.links.push(link);
    return link;
  }

  link(sys: SimSystem, port: string): SimLink | undefined {
    return this.links.find((l) => (l.a.sys === sys && l.a.port === port) || (l.b.sys === sys && l.b.port === port));
  }

  /** Put a frame on the wire from (sys, port). */
  send(sys: SimSystem, port: string, frame: Uint8Array): void {
    const l = this.link(sys, port);
    if (!l || !l.carrier || l.cut) return;
    const to = l.a.sys === sys && l.a.port === port ? l.b : l.a;
    if (l.drop?.(to.sys, frame)) return;
    this.flight.push({ at: this.now + l.delay, seq: this.seq++, to: to.sys, port: to.port, frame });
  }

  /** Carrier up or down: both ends' LACP (and team) see the link state. */
  setCarrier(l: SimLink, up: boolean): void {
    l.carrier = up;
    if (!up) this.flight = this.flight.filter((f) => !((f.to === l.a.sys && f.port === l.a.port) || (f.to === l.b.sys && f.port === l.b.port)));
    l.a.sys.lacp.setPortUp(l.a.port, up);
    l.b.sys.lacp.setPortUp(l.b.port, up);
  }

  at(t: number, fn: () => void): void {
    this.timers.push({ at: t, fn });
  }

  every(interval: number, fn: () => void, from = this.now, until = Infinity): void {
    const step = (t: number) => {
      if (t > until) return;
      this.at(t, () => {
        fn();
        step(t + interval);
      });
    };
    step(from);
  }

  /** Run until time `until` (ms), event by event. */
  run(until: number): void {
    for (;;) {
      let next = until;
      for (const f of this.flight) next = Math.min(next, f.at);
      for (const t of this.timers) next = Math.min(next, t.at);
      for (const s of this.systems) next = Math.min(next, s.lacp.nextDeadline());
      this.now = Math.max(this.now, next);
      const due = this.flight.filter((f) => f.at <= this.now).sort((x, y) => x.at - y.at || x.seq - y.seq);
      this.flight = this.flight.filter((f) => f.at > this.now);
      for (const f of due) {
        if (isSlowProtocolsFrame(f.frame)) f.to.lacp.receive(f.port, f.frame);
        else f.to.data(f.port, f.frame);
      }
      const timers = this.timers.filter((t) => t.at <= this.now);
      this.timers = this.timers.filter((t) => t.at > this.now);
      for (const t of timers) t.fn();
      for (const s of this.systems) s.lacp.tick();
      if (this.now >= until && !due.length && !timers.length) return;
    }
  }

  /** Run until pred() holds (checked after every event); the time it first held, or null by `limit`. */
  runUntil(pred: () => boolean, limit: number): number | null {
    const step = 1;
    while (this.now < limit) {
      if (pred()) return this.now;
      this.run(Math.min(limit, this.now + step));
    }
    return pred() ? this.now : null;
  }
}

export function distributing(sys: SimSystem): string[] {
  return sys.lacp.status().distributing;
}
