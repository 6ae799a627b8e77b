/** Helpers for the message file git hands to prepare-commit-msg (`.git/COMMIT_EDITMSG`). */

/** git's scissors line (`git commit -v`): everything below it is ignored. */
const scissors = (c: string): RegExp => new RegExp(`^${escape(c)} -+ >8 -+$`);

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** True when the file holds no message yet: only blank lines and comment lines (before the scissors). */
export function isMessageEmpty(text: string, commentChar: string): boolean {
  const cut = scissors(commentChar);
  for (const line of text.split('\n')) {
    if (cut.test(line)) break;
    if (line.trim() !== '' && !line.startsWith(commentChar)) return false;
  }
  return true;
}

/** The message on top, git's comment lines kept below it after one blank line. */
export function fillMessage(original: string, message: string): string {
  const rest = original.replace(/^\n+/, '');
  return rest === '' ? `${message.trim()}\n` : `${message.trim()}\n\n${rest}`;
}

/** `core.commentChar` as git uses it: `#` unless configured (`auto` picks `#` for a message-free template). */
export function commentCharOf(configured: string | null): string {
  if (configured === null || configured === '' || configured === 'auto') return '#';
  return configured;
}
