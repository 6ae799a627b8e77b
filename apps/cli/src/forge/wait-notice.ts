import type { WaitEvent } from '@gitfleet/providers';
import { note } from '../output.js';

/** Waits shorter than this pass without a word. */
const QUIET_MS = 3000;

/**
 * An `onWait` for the clients: each wait longer than a few seconds prints one stderr line saying
 * what it waits for and until when (on a terminal or not). Requests waiting for the same moment
 * (a pool's reset, concurrent pages) share one line.
 */
export function createWaitNotice(write: (text: string) => void = note): (event: WaitEvent) => void {
  let announcedUntil = 0;
  return (event) => {
    const ms = event.until - Date.now();
    if (ms < QUIET_MS || event.until <= announcedUntil + 1000) return;
    announcedUntil = event.until;
    write(`waiting ${String(Math.ceil(ms / 1000))} s ${reasonText(event)}, until ${clock(event.until)}`);
  };
}

function reasonText(event: WaitEvent): string {
  if (event.reason === 'rate-limit') return `for the ${event.provider} ${event.resource} rate limit to reset (no token has budget left)`;
  if (event.reason === 'secondary-rate-limit') return `as the ${event.provider} secondary rate limit asks (Retry-After)`;
  return `before retrying GET ${event.url}`;
}

/** Local wall-clock time, HH:MM:SS. */
function clock(epochMs: number): string {
  const d = new Date(epochMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
