/**
 * Benchmark tasks in short rounds, each round every task in turn, so a ratio
 * compares two tasks measured side by side in the same round (a shared VM's
 * speed drifts over the seconds a long sequential run takes). A figure is the
 * median over the rounds, a ratio the median of the rounds' ratios.
 */
import { Bench } from 'tinybench';

export interface Task {
  name: string;
  /** frames (or other units) one call processes */
  units: number;
  fn: () => void;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Units per second of each task in each round. */
export async function runRounds(tasks: Task[], timeMs: number, rounds = 5): Promise<Record<string, number>[]> {
  const out: Record<string, number>[] = [];
  for (let r = 0; r < rounds; r++) {
    const bench = new Bench({ time: timeMs / rounds, iterations: 3, warmupTime: r === 0 ? 200 : 50, warmupIterations: 2 });
    for (const t of tasks) bench.add(t.name, t.fn);
    await bench.run();
    const rate: Record<string, number> = {};
    for (const t of bench.tasks) {
      const res = t.result;
      if (res.state !== 'completed') throw new Error(`${t.name}: ${res.state}`);
      rate[t.name] = tasks.find((x) => x.name === t.name)!.units / (res.latency.p50! / 1000);
    }
    out.push(rate);
  }
  return out;
}

/** The median of each task's rates over the rounds. */
export function medians(rounds: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of Object.keys(rounds[0])) out[name] = median(rounds.map((r) => r[name]));
  return out;
}

/** The median over the rounds of a / b. */
export function ratioOf(rounds: Record<string, number>[], a: string, b: string): number {
  return median(rounds.map((r) => r[a] / r[b]));
}
