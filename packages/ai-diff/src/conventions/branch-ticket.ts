import type { TicketPlacement } from './types.js';

const JIRA = /(?:^|[^A-Za-z0-9])([A-Za-z][A-Za-z0-9]{1,9})-(\d{1,6})(?![0-9])/g;
/** Branch words that look like a key before a number but are not one (`fix-123`, `release-2`). */
const NOT_KEYS = new Set(['FIX', 'BUG', 'BUGFIX', 'HOTFIX', 'FEAT', 'FEATURE', 'RELEASE', 'ISSUE', 'ISSUES', 'GH', 'PR', 'V', 'WIP', 'CHORE', 'DOCS', 'TEST', 'DEPENDABOT', 'RENOVATE']);
/** GitHub's "create a branch" for issue 42 (`42-fix-login`), or `issue-42`, `issues/42`, `gh-42`. */
const ISSUE = /(?:^|\/)(?:(\d{1,7})-[a-z]|(?:issues?|gh)[-_/]?(\d{1,7})(?![0-9]))/i;

/**
 * The ticket id a branch name carries: a Jira-style key (`feature/PROJ-123-login` -> `PROJ-123`)
 * or a GitHub issue (`42-fix-login`, `issue-42` -> `#42`). With the key the history uses
 * (`learnedKey`), only that key counts, in any case (`proj-123` -> `PROJ-123`); without one, a key
 * must be written in upper case, so `fix-123` is not a ticket.
 *
 * @example
 * ticketFromBranch('feature/PROJ-123-login'); // 'PROJ-123'
 * ticketFromBranch('lang-1815-fix', 'LANG'); // 'LANG-1815'
 * ticketFromBranch('42-fix-login'); // '#42'
 */
export function ticketFromBranch(branch: string | null, learnedKey?: string): string | null {
  if (!branch) return null;
  for (const match of branch.matchAll(JIRA)) {
    const key = match[1]!;
    const upper = key.toUpperCase();
    if (learnedKey ? upper === learnedKey : key === upper && !NOT_KEYS.has(upper) && /^[A-Z]/.test(key)) return `${upper}-${match[2]!}`;
  }
  if (learnedKey) return null;
  const issue = ISSUE.exec(branch);
  return issue ? `#${issue[1] ?? issue[2]!}` : null;
}

/**
 * Puts `ticket` where the history puts tickets, keeping the subject within `maxLength`; without a
 * learned placement it goes in a `Refs:` trailer. A message that already names the ticket is kept.
 */
export function applyTicket(
  message: { subject: string; body: string },
  ticket: string,
  placement: TicketPlacement | null,
  maxLength: number,
  cut: (text: string, max: number) => string,
): { subject: string; body: string } {
  if (message.subject.includes(ticket) || message.body.includes(ticket)) return message;
  const fit = (extra: number): string => cut(message.subject, Math.max(10, maxLength - extra));
  switch (placement) {
    case 'bracket-prefix':
      return { ...message, subject: `[${ticket}] ${fit(ticket.length + 3)}` };
    case 'colon-prefix':
      return { ...message, subject: `${ticket}: ${fit(ticket.length + 2)}` };
    case 'prefix':
      return { ...message, subject: `${ticket} ${fit(ticket.length + 1)}` };
    case 'paren-suffix':
      return { ...message, subject: `${fit(ticket.length + 3)} (${ticket})` };
    case 'suffix':
      return { ...message, subject: `${fit(ticket.length + 1)} ${ticket}` };
    default:
      return { ...message, body: message.body ? `${message.body}\n\nRefs: ${ticket}` : `Refs: ${ticket}` };
  }
}
