import type { MineFailure } from './types.js';

/** Any error as plain data: its `code` (GITFLEET_...) when it has one, and its first line. */
export function toFailure(error: unknown): MineFailure {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: typeof code === 'string' && code.startsWith('GITFLEET_') ? code : 'GITFLEET_MINE_FAILED',
    message: (message.split('\n')[0] ?? '').slice(0, 2000) || 'failed',
  };
}
