import { inspect } from 'node:util';
import { InvalidOptionError } from './errors.js';
import type { Lease, LeaseOutcome } from './types.js';

const OUTCOMES = new Set<LeaseOutcome['type']>(['success', 'invalid-token', 'rate-limited', 'secondary-limit', 'failed']);

/** A {@link Lease}. The token is a private field behind a getter, so JSON and inspect never show it. */
export class TokenLease implements Lease {
  readonly #token: string;
  readonly #onRelease: (outcome: LeaseOutcome) => void;
  #released = false;
  readonly identity: string;
  readonly tokenId: string;
  readonly resource: string;

  constructor(
    fields: { token: string; identity: string; tokenId: string; resource: string },
    onRelease: (outcome: LeaseOutcome) => void,
  ) {
    this.#token = fields.token;
    this.identity = fields.identity;
    this.tokenId = fields.tokenId;
    this.resource = fields.resource;
    this.#onRelease = onRelease;
  }

  get token(): string {
    return this.#token;
  }

  get released(): boolean {
    return this.#released;
  }

  release(outcome: LeaseOutcome): void {
    validateOutcome(outcome);
    if (this.#released) return;
    this.#released = true;
    this.#onRelease(outcome);
  }

  toJSON(): { identity: string; tokenId: string; resource: string } {
    return { identity: this.identity, tokenId: this.tokenId, resource: this.resource };
  }

  [inspect.custom](): string {
    return `Lease { identity: '${this.identity}', tokenId: '${this.tokenId}', resource: '${this.resource}' }`;
  }
}

function validateOutcome(outcome: LeaseOutcome): void {
  if (typeof outcome !== 'object' || !OUTCOMES.has(outcome.type)) {
    throw new InvalidOptionError(`release() needs an outcome of type ${[...OUTCOMES].join(' | ')}`);
  }
  if (outcome.type === 'rate-limited' && !Number.isFinite(outcome.resetAt)) {
    throw new InvalidOptionError('a rate-limited outcome needs resetAt (epoch ms)');
  }
  if (outcome.type === 'secondary-limit' && !(Number.isFinite(outcome.retryAfterMs) && outcome.retryAfterMs >= 0)) {
    throw new InvalidOptionError('a secondary-limit outcome needs retryAfterMs >= 0');
  }
  if ('budget' in outcome && outcome.budget !== undefined) {
    const { resource, limit, remaining, resetAt } = outcome.budget;
    if (typeof resource !== 'string' || ![limit, remaining, resetAt].every(Number.isFinite)) {
      throw new InvalidOptionError('a budget needs resource, limit, remaining and resetAt (epoch ms)');
    }
  }
}
