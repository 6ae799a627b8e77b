import { z } from 'zod';
import type { PartAnalysis } from '../diff/render-reduce.js';

const text = z.string().catch('');

/** One commit message as the model returns it (lenient: missing optional parts become ''). */
export const messageOutput = z.object({
  subject: z.string().min(1),
  body: z.string().nullish().transform((v) => v ?? ''),
  type: z.string().nullish().transform((v) => v ?? ''),
  scope: z.string().nullish().transform((v) => v ?? ''),
  gitmoji: z.string().nullish().transform((v) => v ?? ''),
});
export type MessageOutput = z.infer<typeof messageOutput>;

/** A single message or `{ candidates: [...] }`. */
export const messageAnswer = z.union([
  z.object({ candidates: z.array(messageOutput).min(1) }).transform((v) => v.candidates),
  messageOutput.transform((v) => [v]),
]);

export const analysisOutput: z.ZodType<PartAnalysis> = z.object({
  theme: text,
  files: z
    .array(
      z.object({
        path: z.string().min(1),
        summary: text,
        impact: z.coerce.number().catch(3).transform((n) => Math.min(5, Math.max(1, Math.round(n)))),
      }),
    )
    .catch([]),
});

/** A split: groups of files, each with its message. */
export const splitAnswer = z.object({
  groups: z.array(messageOutput.extend({ files: z.array(z.string()).catch([]) })).min(1),
});
export type SplitOutput = z.infer<typeof splitAnswer>;
