import confirm from '@inquirer/confirm';
import select, { Separator } from '@inquirer/select';
import type { CommitMessageResult } from '@gitfleet/ai-diff';
import { safe } from '../output.js';

export type MessageChoice = { action: 'commit'; message: string } | { action: 'edit'; message: string } | { action: 'regenerate' } | { action: 'cancel' };

type Value = { action: 'commit' | 'edit'; index: number } | { action: 'edit-which' } | { action: 'regenerate' } | { action: 'cancel' };

/** Ctrl-C or a closed terminal inside a prompt means no. */
function isPromptExit(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');
}

/**
 * On a terminal: the generated message (or each candidate) to commit, then Edit, Regenerate and
 * Cancel (@inquirer/select, on stderr). The highlighted candidate's whole message shows below the list.
 */
export async function chooseMessage(result: Pick<CommitMessageResult, 'message' | 'candidateMessages'>, signal: AbortSignal): Promise<MessageChoice> {
  const messages = result.candidateMessages?.length ? result.candidateMessages : [result.message];
  const subject = (m: string): string => safe(m.split('\n')[0] ?? '');
  const choices: (Separator | { value: Value; name: string; description?: string })[] = messages.map((m, index) => ({
    value: { action: 'commit', index },
    name: messages.length === 1 ? `Commit: ${subject(m)}` : subject(m),
    description: safe(m.trim()).replaceAll('\\n', '\n'),
  }));
  choices.push(new Separator(), { value: messages.length === 1 ? { action: 'edit', index: 0 } : { action: 'edit-which' }, name: 'Edit a message first' }, { value: { action: 'regenerate' }, name: 'Regenerate' }, { value: { action: 'cancel' }, name: 'Cancel' });
  const context = { signal, output: process.stderr };
  try {
    const picked = await select<Value>({ message: messages.length === 1 ? 'Commit message' : 'Choose a commit message', choices, pageSize: 12 }, context);
    switch (picked.action) {
      case 'commit':
      case 'edit':
        return { action: picked.action, message: messages[picked.index]! };
      case 'edit-which': {
        const index = await select<number>({ message: 'Edit which message?', choices: messages.map((m, i) => ({ value: i, name: subject(m) })) }, context);
        return { action: 'edit', message: messages[index]! };
      }
      default:
        return picked;
    }
  } catch (error) {
    if (isPromptExit(error)) return { action: 'cancel' };
    throw error;
  }
}

/** y/N on a terminal (@inquirer/confirm, on stderr); Ctrl-C is no. */
export async function confirmOnTerminal(message: string, signal: AbortSignal): Promise<boolean> {
  try {
    return await confirm({ message, default: false }, { signal, output: process.stderr });
  } catch (error) {
    if (isPromptExit(error)) return false;
    throw error;
  }
}
