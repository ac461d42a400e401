import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Vitest runs on cores - 1 workers by default: one on a 2-core CI machine.
// The suite is CPU-bound and its heavy files are independent, so use them all.
export default defineConfig({ test: { maxWorkers: availableParallelism() } });
