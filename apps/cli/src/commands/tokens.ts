import { Option, type Command } from 'commander';
import password from '@inquirer/password';
import { identifyProvider } from '@gitfleet/providers';
import { normalizeHost } from '@gitfleet/git';
import { CredentialStore, maskToken, tokenSourcesFromEnv, type CredentialKind } from '@gitfleet/tokens';
import { z } from 'zod';
import { parseOptions, type RunContext } from '../context.js';
import { EXIT, UsageError } from '../errors.js';
import { storeExists, storeKeyInEnv } from '@gitfleet/session';
import { table, write } from '../output.js';

const FORMATS = ['table', 'json', 'ndjson'] as const;
type ListFormat = (typeof FORMATS)[number];

const STORE_HELP = `
The store is a file encrypted with AES-256-GCM (mode 0600): GITFLEET_CREDENTIALS_FILE, else
credentials.enc in the user config dir. Its key comes from GITFLEET_CREDENTIALS_KEY (32 bytes,
base64 or hex) or GITFLEET_CREDENTIALS_PASSPHRASE (scrypt); on a terminal you are asked for the
passphrase. Tokens are read from stdin or a hidden prompt, never from the command line.`;

/** The store, unlocked by the environment or, on a terminal, a passphrase prompt. */
async function openStore(ctx: RunContext, creating: boolean): Promise<CredentialStore> {
  const probe = new CredentialStore();
  if (storeKeyInEnv()) return probe;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new UsageError('the credential store needs GITFLEET_CREDENTIALS_PASSPHRASE or GITFLEET_CREDENTIALS_KEY (no terminal to ask on)');
  }
  const isNew = creating && !(await storeExists(probe));
  const ask = (message: string): Promise<string> => password({ message, mask: true }, { signal: ctx.signal, output: process.stderr });
  const passphrase = await ask(isNew ? `New passphrase for ${probe.path}:` : `Passphrase for ${probe.path}:`);
  if (passphrase === '') throw new UsageError('empty passphrase');
  if (isNew && (await ask('Repeat the passphrase:')) !== passphrase) throw new UsageError('the passphrases differ');
  return new CredentialStore({ passphrase });
}

/** The token from stdin (first line) when piped, else a hidden prompt. */
async function readToken(provider: CredentialKind, ctx: RunContext): Promise<string> {
  if (process.stdin.isTTY) return (await password({ message: `${provider} token:`, mask: true }, { signal: ctx.signal, output: process.stderr })).trim();
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return (text.split('\n')[0] ?? '').trim();
}

async function emit<T extends object>(format: ListFormat, rows: T[], head: string[], cells: (row: T) => (string | number)[]): Promise<void> {
  if (format === 'json') return write(`${JSON.stringify(rows, null, 2)}\n`);
  if (format === 'ndjson') return write(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return write(table(head, rows.map(cells)));
}

/** `gitfleet tokens add | list | remove | check`; `check` exits 1 when a token is invalid. */
export function registerTokensCommands(program: Command, ctx: RunContext, setExit: (code: number) => void): void {
  const tokens = program
    .command('tokens')
    .description('manage API tokens: the encrypted credential store and the GITHUB_/GITLAB_ token variables')
    .addHelpText('after', STORE_HELP);
  const formatOption = (): Option => new Option('-f, --format <format>', 'output format').choices(FORMATS).default('table');

  tokens
    .command('add')
    .description('store a token (read from stdin or a hidden prompt); API tokens are checked against the API first unless --no-check')
    .argument('<provider>', 'github or gitlab (API tokens), or git (a token for git over HTTPS to one --host)')
    .option('--label <label>', 'a name to refer to it by')
    .option('--base-url <url>', 'API base URL of a self-hosted server, e.g. https://ghe.example.com/api/v3')
    .option('--host <host>', 'git: the host (and port, if not the default) the token is for, e.g. git.example.org; it is sent nowhere else')
    .option('--username <name>', 'git: the Basic-auth username (default: x-access-token on GitHub, oauth2 on GitLab, else git)')
    .option('--no-check', 'store without asking the API whether the token works')
    .addHelpText(
      'after',
      `\nExamples:\n  printf %s "$TOKEN" | gitfleet tokens add github --label work\n  gitfleet tokens add gitlab --base-url https://gitlab.example.com/api/v4\n  printf %s "$TOKEN" | gitfleet tokens add git --host git.example.org    # for gitfleet clone${STORE_HELP}`,
    )
    .action(async (name: string, raw: unknown) => {
      const kind = z.enum(['github', 'gitlab', 'git'], { message: `provider must be github, gitlab or git, got '${name}'` }).safeParse(name);
      if (!kind.success) throw new UsageError(kind.error.issues[0]!.message);
      const opts = parseOptions(
        z.object({ label: z.string().min(1).optional(), baseUrl: z.url().optional(), host: z.string().optional(), username: z.string().min(1).optional(), check: z.boolean() }),
        raw,
      );
      const git = kind.data === 'git';
      if (git && opts.baseUrl) throw new UsageError('a git token is for a --host, not a --base-url');
      if (!git && (opts.host || opts.username)) throw new UsageError('--host and --username are for git tokens (tokens add git --host <host>)');
      const host = opts.host === undefined ? undefined : normalizeHost(opts.host);
      if (git && host === undefined) throw new UsageError(opts.host === undefined ? 'a git token needs --host, e.g. --host git.example.org' : `--host is not a host name: '${opts.host}'`);
      const token = await readToken(kind.data, ctx);
      if (token === '') throw new UsageError('no token given (pipe it on stdin or type it at the prompt)');
      let login: string | undefined;
      if (kind.data !== 'git' && opts.check) login = (await identifyProvider()({ provider: kind.data, token, ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}) }, ctx.signal)).login;
      const store = await openStore(ctx, true);
      const stored = await store.add({
        provider: kind.data,
        token,
        ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
        ...(host ? { host } : {}),
        ...(opts.username ? { username: opts.username } : {}),
        ...(opts.label ? { label: opts.label } : {}),
      });
      const what = stored.host ? `git token ${stored.tokenId} for ${stored.host}` : `${stored.provider} token ${stored.tokenId}`;
      process.stderr.write(`gitfleet: stored ${what}${login ? ` (${login})` : ''} as ${stored.id} in ${store.path}\n`);
    });

  tokens
    .command('list')
    .description('stored and environment tokens, masked')
    .addOption(formatOption())
    .action(async (raw: unknown) => {
      const opts = parseOptions(z.object({ format: z.enum(FORMATS) }), raw);
      const rows: { source: string; id: string; provider: string; token: string; label: string | null; baseUrl: string | null; host: string | null }[] = [];
      if (await storeExists(new CredentialStore())) {
        const store = await openStore(ctx, false);
        for (const c of await store.list()) {
          rows.push({ source: 'store', id: c.id, provider: c.provider, token: c.tokenId, label: c.label ?? null, baseUrl: c.baseUrl ?? null, host: c.host ?? null });
        }
      }
      for (const s of tokenSourcesFromEnv(process.env)) {
        rows.push({ source: 'env', id: '', provider: s.provider, token: maskToken(s.token), label: s.label ?? null, baseUrl: s.baseUrl ?? null, host: null });
      }
      await emit(opts.format, rows, ['source', 'id', 'provider', 'token', 'label', 'base url / host'], (r) => [r.source, r.id, r.provider, r.token, r.label ?? '', r.baseUrl ?? r.host ?? '']);
    });

  tokens
    .command('remove')
    .description('delete a stored token')
    .argument('<id-or-label>', 'the id or label shown by `gitfleet tokens list`')
    .action(async (which: string) => {
      const store = await openStore(ctx, false);
      const removed = await store.remove(which);
      process.stderr.write(`gitfleet: removed ${removed.host ? `git token for ${removed.host}` : `${removed.provider} token`} ${removed.tokenId} (${removed.id})\n`);
    });

  tokens
    .command('check')
    .description('ask the API about every API token: valid or not, whose it is, its scopes (git tokens have no API to ask)')
    .addOption(formatOption())
    .action(async (raw: unknown) => {
      const opts = parseOptions(z.object({ format: z.enum(FORMATS) }), raw);
      const identify = identifyProvider();
      const rows: { source: string; provider: string; token: string; valid: boolean; login: string | null; identity: string | null; scopes: string[]; error: string | null }[] = [];
      if (await storeExists(new CredentialStore())) {
        const store = await openStore(ctx, false);
        const stored = await store.list();
        for (const v of await store.validate(identify, { signal: ctx.signal })) {
          const entry = stored.find((s) => s.id === v.id);
          rows.push({ source: 'store', provider: entry?.provider ?? '', token: v.tokenId, valid: v.ok, login: v.login ?? null, identity: v.identity ?? null, scopes: v.scopes ?? [], error: v.error?.message ?? null });
        }
      }
      for (const s of tokenSourcesFromEnv(process.env)) {
        const row = { source: 'env', provider: s.provider, token: maskToken(s.token), valid: false, login: null as string | null, identity: null as string | null, scopes: [] as string[], error: null as string | null };
        try {
          const info = await identify(s, ctx.signal);
          Object.assign(row, { valid: true, login: info.login ?? null, identity: info.identity, scopes: info.scopes ?? [] });
        } catch (error) {
          if (ctx.signal.aborted) throw error;
          row.error = error instanceof Error ? error.message : String(error);
        }
        rows.push(row);
      }
      await emit(opts.format, rows, ['source', 'provider', 'token', 'valid', 'login', 'scopes', 'error'], (r) => [
        r.source,
        r.provider,
        r.token,
        r.valid ? 'yes' : 'no',
        r.login ?? '',
        r.scopes.join(' '),
        r.error ?? '',
      ]);
      if (rows.some((r) => !r.valid)) setExit(EXIT.failure);
    });
}
