import type { Sample } from './measure.js';
import { max, median } from './stats.js';

/** One measurement aggregated over the repetitions, or why it failed. */
export interface Summary {
  /** Median wall time (ms). */
  wallMs: number;
  /** Per-repetition wall times, in run order. */
  samplesMs: number[];
  /** Peak RSS: the highest over repetitions. */
  maxRssMB?: number;
  /** Peak RSS of the largest process in the tree (GNU time), the highest over repetitions. */
  treeMaxRssMB?: number;
  /** Event-loop lag p99: the median over repetitions; lag max: the highest. */
  lagP99Ms?: number;
  lagMaxMs?: number;
  items?: number;
  errors?: number;
  firstCallMs?: number;
  error?: string;
}

const pick = (samples: Sample[], key: keyof Sample): number[] =>
  samples.map((s) => s[key]).filter((v): v is number => typeof v === 'number');

/**
 * Collects samples per measurement id. A measurement that fails once is not retried
 * in later repetitions (a broken engine would otherwise cost a timeout each time).
 */
export class Recorder {
  private readonly samples = new Map<string, Sample[]>();
  private readonly errors = new Map<string, string>();

  constructor(private readonly log: (line: string) => void) {}

  async measure(id: string, run: () => Promise<Sample>): Promise<Sample | undefined> {
    const failed = this.errors.get(id);
    if (failed !== undefined) return undefined;
    try {
      const sample = await run();
      const list = this.samples.get(id) ?? [];
      list.push(sample);
      this.samples.set(id, list);
      const extra = sample.maxRssMB === undefined ? '' : `, rss ${sample.maxRssMB.toFixed(0)} MB, lag p99 ${sample.lagP99Ms?.toFixed(1)} ms`;
      this.log(`  ${id}: ${sample.wallMs.toFixed(0)} ms${extra}`);
      return sample;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.errors.set(id, reason);
      this.log(`  ${id}: FAILED: ${reason}`);
      return undefined;
    }
  }

  /** Marks a measurement as failed without running it (e.g. its prerequisite failed). */
  fail(id: string, reason: string): void {
    if (!this.errors.has(id) && !this.samples.has(id)) this.errors.set(id, reason);
  }

  summary(id: string): Summary {
    const samples = this.samples.get(id) ?? [];
    const error = this.errors.get(id);
    if (samples.length === 0) return { wallMs: Number.NaN, samplesMs: [], error: error ?? 'not run' };
    const optional = (key: string, values: number[], f: (v: number[]) => number): Record<string, number> =>
      values.length > 0 ? { [key]: f(values) } : {};
    return {
      wallMs: median(pick(samples, 'wallMs')),
      samplesMs: pick(samples, 'wallMs'),
      ...optional('maxRssMB', pick(samples, 'maxRssMB'), max),
      ...optional('treeMaxRssMB', pick(samples, 'treeMaxRssMB'), max),
      ...optional('lagP99Ms', pick(samples, 'lagP99Ms'), median),
      ...optional('lagMaxMs', pick(samples, 'lagMaxMs'), max),
      ...optional('items', pick(samples, 'items'), max),
      ...optional('errors', pick(samples, 'errors'), max),
      ...optional('firstCallMs', pick(samples, 'firstCallMs'), median),
      // A failure in a later repetition still counts: report it next to the figures.
      ...(error === undefined ? {} : { error }),
    };
  }
}
