/**
 * Credentials found by content, with secretlint's maintained rules
 * (`@secretlint/secretlint-rule-preset-recommend`: AWS, GCP, GitHub, GitLab, Slack, npm, OpenAI,
 * Anthropic, SendGrid, Shopify, private keys, passwords in URLs and connection strings, ...), plus
 * rules of ours for what it lacks or makes costly: any private-key block header (secretlint's own
 * rule only reports keys whose body decodes as a key), AWS access key ids and JWTs. CPU-bound: runs
 * in the worker pool.
 */
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import type { SecretLintCoreConfig, SecretLintRuleCreator } from '@secretlint/types';

/** A rule that reports every match of `pattern` as `message`. */
function patternRule(id: string, message: string, pattern: RegExp): SecretLintRuleCreator {
  const messages = { FOUND: { en: () => message } };
  return {
    messages,
    meta: { id, type: 'scanner', recommended: true, supportedContentTypes: ['text'] },
    create(context) {
      const t = context.createTranslator(messages);
      return {
        file(source) {
          for (const match of source.content.matchAll(pattern)) {
            context.report({ message: t('FOUND'), range: [match.index, match.index + match[0].length] });
          }
        },
      };
    },
  };
}

const OUR_RULES = {
  'gitfleet/private-key-block': patternRule('gitfleet/private-key-block', 'private key', /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|PuTTY-User-Key-File-\d+:/g),
  // secretlint's AWS rule finds access key ids only with `enableIDScanRule`, which also turns on an
  // account-id scan whose expression costs more than all the other rules together on a big diff.
  'gitfleet/aws-access-key-id': patternRule('gitfleet/aws-access-key-id', 'AWS access key id', /\b(?:A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b/g),
  // A header and a payload that are base64url JSON objects (`{"` encodes as `eyJ`), then a signature.
  'gitfleet/jwt': patternRule('gitfleet/jwt', 'JWT', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g),
};

const CONFIG: SecretLintCoreConfig = {
  rules: [
    {
      id: '@secretlint/secretlint-rule-preset-recommend',
      rule: recommended,
      rules: [
        // `secretlint-disable` comments come from the repository: they must not open the door.
        { id: '@secretlint/secretlint-rule-filter-comments', disabled: true },
      ],
    },
    ...Object.entries(OUR_RULES).map(([id, rule]) => ({ id, rule })),
  ],
};

/** Plain names for the rules (the `detail` of an omitted file); others show their rule name. */
const LABELS: Record<string, string> = {
  aws: 'AWS credential',
  gcp: 'GCP service account key',
  npm: 'npm token',
  slack: 'Slack token',
  basicauth: 'password in a URL',
  openai: 'OpenAI API key',
  anthropic: 'Anthropic API key',
  privatekey: 'private key',
  github: 'GitHub token',
  gitlab: 'GitLab token',
  'database-connection-string': 'database connection string with a password',
  'gitfleet/private-key-block': 'private key',
  'gitfleet/aws-access-key-id': 'AWS access key id',
  'gitfleet/jwt': 'JWT',
};

function labelOf(ruleId: string): string {
  const name = ruleId.replace(/^@secretlint\/secretlint-rule-/, '');
  return LABELS[name] ?? `${name} credential`;
}

export interface ScanItem {
  path: string;
  /** The file's diff lines without their `+`/`-`/` ` prefix, as one text. */
  text: string;
}

/** npm's rule reads `package.json` itself (tokens in dependency URLs): those are screened on their own too. */
const PATH_AWARE = /(^|\/)package\.json$/;

/**
 * Which items hold a credential, and what it looks like: item index -> label. The items are
 * screened in one pass over their joined text (secretlint costs ~0.3 ms a call, which adds up to
 * seconds on a 5,000-file change); a finding marks every item its range touches, so a match that
 * runs from one file into the next can never hide the second.
 */
export async function scanForSecrets(items: readonly ScanItem[]): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  if (items.length === 0) return found;
  // A leading line break: secretlint drops a byte-order mark at the start, which would shift every range.
  const starts: number[] = [];
  let length = 1;
  for (const item of items) {
    starts.push(length);
    length += item.text.length + 1;
  }
  const content = `\n${items.map((item) => item.text).join('\n')}`;
  const joined = await lintSource({
    source: { filePath: 'staged-changes.txt', content, contentType: 'text' },
    options: { config: CONFIG, maskSecrets: true, noPhysicFilePath: true },
  });
  for (const message of joined.messages) {
    const [from, to] = message.range;
    for (let i = itemAt(starts, from); i < items.length && starts[i]! < Math.max(to, from + 1); i++) {
      if (!found.has(i)) found.set(i, labelOf(message.ruleId));
    }
  }
  for (const [i, item] of items.entries()) {
    if (found.has(i) || !PATH_AWARE.test(item.path)) continue;
    const own = await lintSource({
      source: { filePath: item.path, content: item.text, contentType: 'text' },
      options: { config: CONFIG, maskSecrets: true, noPhysicFilePath: true },
    });
    if (own.messages[0]) found.set(i, labelOf(own.messages[0].ruleId));
  }
  return found;
}

/** The item whose text holds offset `at` (binary search over the start offsets). */
function itemAt(starts: readonly number[], at: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
