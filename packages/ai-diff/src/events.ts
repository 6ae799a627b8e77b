import type { ProviderName } from './config/ai-config.js';
import type { TokenEncoding } from './config/models.js';
import type { OmitReason } from './diff/types.js';
import type { Stage } from './prompts.js';

/** Progress and notes from {@link generateCommitMessage}; never contains the API key. */
export type PipelineEvent =
  | {
      type: 'config';
      provider: ProviderName;
      model: string;
      encoding: TokenEncoding;
      /** False when the tokenizer is the cl100k approximation of a non-OpenAI model. */
      exactTokenizer: boolean;
      maxInputTokens: number;
    }
  | { type: 'warning'; message: string }
  | { type: 'conventions'; style: 'conventional' | 'gitmoji' | 'plain'; commits: number; cached: boolean; ticket: string | null; ms: number }
  | { type: 'omitted'; path: string; reason: OmitReason; detail?: string }
  | { type: 'collapsed'; path: string; description: string }
  | { type: 'plan'; mode: 'single' | 'map-reduce' | 'none'; parts: number; diffTokens: number; diffTokensExact: boolean; truncated: string[] }
  | { type: 'request'; stage: Stage; part?: number; attempt: number; inputTokens: number }
  | { type: 'response'; stage: Stage; part?: number; ms: number }
  | { type: 'retry'; stage: Stage; part?: number; attempt: number; delayMs: number; reason: string }
  | { type: 'repaired'; stage: Stage; part?: number }
  | { type: 'part-failed'; part: number; reason: string }
  | { type: 'fallback'; reason: string }
  | { type: 'done'; calls: number; ms: number; fallback: boolean };
