import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import envPaths from 'env-paths';
import {
  DEFAULT_SCRYPT,
  decrypt,
  deriveKey,
  encrypt,
  newKdfHeader,
  readEnvelope,
  writeFileAtomic,
  type KdfHeader,
  type KeyMaterial,
  type ScryptParams,
} from './credential-file.js';
import { withFileLock } from './file-lock.js';
import { AbortError, CorruptStoreError, CredentialNotFoundError, InvalidOptionError, MissingKeyError } from './errors.js';
import { maskToken, redact } from './mask.js';
import type { Identify, ProviderKind, TokenSource } from './types.js';

export interface CredentialStoreOptions {
  /** Default: env GITFLEET_CREDENTIALS_FILE, else `<user config dir>/gitfleet/credentials.enc`. */
  path?: string;
  /** Passphrase for scrypt (default: env GITFLEET_CREDENTIALS_PASSPHRASE). */
  passphrase?: string;
  /** Raw 32-byte key, or base64/hex of one (default: env GITFLEET_CREDENTIALS_KEY). Wins over a passphrase. */
  key?: string | Uint8Array;
  /** Environment to read GITFLEET_CREDENTIALS_* from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** scrypt cost for a new file (default N=2^17, r=8, p=1); an existing file keeps its own. */
  scrypt?: Partial<ScryptParams>;
}

/** What a stored token is for: a provider's API, or git over HTTPS to one host (`git`). */
export type CredentialKind = ProviderKind | 'git';

export interface AddCredentialInput {
  provider: CredentialKind;
  token: string;
  label?: string;
  baseUrl?: string;
  /** `git` only, required: `host` or `host:port` as in clone URLs (`git.example.org`, `127.0.0.1:8080`). */
  host?: string;
  /** `git` only: the Basic-auth username to send with the token. */
  username?: string;
}

/** A stored git token (from {@link CredentialStore.gitCredentials}): the secret, for its host only. */
export interface GitHostCredential {
  host: string;
  token: string;
  username?: string;
  label: string;
}

/** A stored credential as shown to users: the token only as a masked `tokenId`. */
export interface StoredCredential {
  id: string;
  provider: CredentialKind;
  tokenId: string;
  label?: string;
  baseUrl?: string;
  /** `git` entries: the host the token is for. */
  host?: string;
  username?: string;
  /** ISO 8601. */
  createdAt: string;
}

export interface CredentialValidation {
  id: string;
  tokenId: string;
  label?: string;
  ok: boolean;
  identity?: string;
  login?: string;
  scopes?: string[];
  /** Why the token failed (e.g. code GITFLEET_PROVIDER_AUTH for a 401), redacted. */
  error?: { code?: string; message: string };
}

interface CredentialRecord extends StoredCredential {
  token: string;
}

/** A missing file loads as no records and no key yet (derived on the first save). */
interface Loaded {
  records: CredentialRecord[];
  material: KeyMaterial;
  kdf?: KdfHeader;
  key?: Buffer;
}

/** Where the credential file lives by default. */
export function defaultCredentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['GITFLEET_CREDENTIALS_FILE'];
  return fromEnv ? fromEnv : join(envPaths('gitfleet', { suffix: '' }).config, 'credentials.enc');
}

/**
 * Tokens encrypted at rest (AES-256-GCM, key from a passphrase via scrypt or a raw key), in a
 * file of mode 0600 replaced atomically. Writes are serialized, across processes too (a lock file
 * beside the store, `<path>.lock`).
 *
 * @example
 * const store = new CredentialStore({ passphrase: process.env.MY_PASSPHRASE });
 * await store.add({ provider: 'github', token: process.env.GITHUB_TOKEN!, label: 'work' });
 * console.log(await store.list()); // [{ id: '3f9a1c2e', provider: 'github', tokenId: 'ghp_…a1b2', label: 'work', ... }]
 * const pool = createIdentityPool({ sources: await store.sources(), identify });
 */
export class CredentialStore {
  readonly path: string;
  readonly #options: CredentialStoreOptions;
  readonly #env: NodeJS.ProcessEnv;
  readonly #keys = new Map<string, Promise<Buffer>>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: CredentialStoreOptions = {}) {
    this.#options = options;
    this.#env = options.env ?? process.env;
    this.path = options.path ?? defaultCredentialsPath(this.#env);
  }

  /** Stores a token (the same token twice returns the existing entry). */
  async add(input: AddCredentialInput): Promise<StoredCredential> {
    checkInput(input);
    return this.#exclusive(async () => {
      const loaded = await this.#load();
      const baseUrl = input.baseUrl?.replace(/\/+$/, '');
      const host = input.host?.trim().toLowerCase();
      const same = loaded.records.find((r) => r.token === input.token && r.provider === input.provider && r.baseUrl === baseUrl && r.host === host);
      if (same) return masked(same);
      if (input.label !== undefined && loaded.records.some((r) => r.label === input.label)) {
        throw new InvalidOptionError(`label "${input.label}" is already used`);
      }
      let id = randomBytes(4).toString('hex');
      while (loaded.records.some((r) => r.id === id)) id = randomBytes(4).toString('hex');
      const record: CredentialRecord = {
        id,
        provider: input.provider,
        token: input.token,
        tokenId: maskToken(input.token),
        ...(input.label === undefined ? {} : { label: input.label }),
        ...(baseUrl === undefined ? {} : { baseUrl }),
        ...(host === undefined ? {} : { host }),
        ...(input.username === undefined ? {} : { username: input.username }),
        createdAt: new Date().toISOString(),
      };
      await this.#save(loaded, [...loaded.records, record]);
      return masked(record);
    });
  }

  /** The stored entries, masked. */
  async list(): Promise<StoredCredential[]> {
    return (await this.#load()).records.map(masked);
  }

  /** Removes the entry with this id or label and returns it (masked). */
  async remove(idOrLabel: string): Promise<StoredCredential> {
    return this.#exclusive(async () => {
      const loaded = await this.#load();
      const found = loaded.records.find((r) => r.id === idOrLabel) ?? loaded.records.find((r) => r.label === idOrLabel);
      if (!found) throw new CredentialNotFoundError(idOrLabel);
      await this.#save(loaded, loaded.records.filter((r) => r !== found));
      return masked(found);
    });
  }

  /** Token sources for `createIdentityPool` (API tokens only; git tokens are in {@link gitCredentials}). */
  async sources(): Promise<TokenSource[]> {
    return apiRecords((await this.#load()).records).map((r) => ({
      token: r.token,
      provider: r.provider,
      ...(r.baseUrl === undefined ? {} : { baseUrl: r.baseUrl }),
      label: r.label ?? r.id,
    }));
  }

  /**
   * The git tokens, each for its one host (for `createFleet({ tokens })` of @gitfleet/git).
   *
   * @example
   * await store.add({ provider: 'git', host: 'git.example.org', token });
   * const byHost = new Map((await store.gitCredentials()).map((c) => [c.host, c]));
   * createFleet(urls, { tokens: (host) => byHost.get(host) });
   */
  async gitCredentials(): Promise<GitHostCredential[]> {
    return (await this.#load()).records.flatMap((r) =>
      r.provider === 'git' && r.host !== undefined
        ? [{ host: r.host, token: r.token, ...(r.username === undefined ? {} : { username: r.username }), label: r.label ?? r.id }]
        : [],
    );
  }

  /** Asks the API about every stored API token (git tokens have no API to ask); a rejected token is a result with `ok: false`, not a throw. */
  async validate(identify: Identify, options: { signal?: AbortSignal } = {}): Promise<CredentialValidation[]> {
    const all = (await this.#load()).records;
    const records = apiRecords(all);
    const secrets = all.map((r) => r.token);
    const results = await Promise.all(
      records.map(async (record): Promise<CredentialValidation> => {
        const base = { id: record.id, tokenId: record.tokenId, ...(record.label === undefined ? {} : { label: record.label }) };
        const source: TokenSource = {
          token: record.token,
          provider: record.provider,
          ...(record.baseUrl === undefined ? {} : { baseUrl: record.baseUrl }),
        };
        try {
          const info = await identify(source, options.signal);
          return {
            ...base,
            ok: true,
            identity: info.identity,
            ...(info.login === undefined ? {} : { login: info.login }),
            ...(info.scopes === undefined ? {} : { scopes: [...info.scopes] }),
          };
        } catch (error) {
          const code = (error as { code?: unknown } | undefined)?.code;
          const message = redact(error instanceof Error ? error.message : String(error), secrets);
          return { ...base, ok: false, error: { ...(typeof code === 'string' ? { code } : {}), message } };
        }
      }),
    );
    if (options.signal?.aborted) throw new AbortError({ cause: options.signal.reason });
    return results;
  }

  /**
   * Runs read-modify-write steps one at a time, in this process (a queue) and across processes (a
   * lock file), so concurrent add() calls never lose entries.
   */
  #exclusive<T>(step: () => Promise<T>): Promise<T> {
    const locked = (): Promise<T> => withFileLock(this.path, step);
    const run = this.#queue.then(locked, locked);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #load(): Promise<Loaded> {
    const material = this.#material();
    const envelope = await readEnvelope(this.path);
    if (!envelope) return { records: [], material };
    const key = await this.#key(material, envelope.kdf);
    const plaintext = decrypt(envelope, key, this.path);
    return { records: parseRecords(plaintext, this.path), material, kdf: envelope.kdf, key };
  }

  async #save(loaded: Loaded, records: CredentialRecord[]): Promise<void> {
    const kdf = loaded.kdf ?? newKdfHeader(loaded.material, { ...DEFAULT_SCRYPT, ...this.#options.scrypt });
    const key = loaded.key ?? (await this.#key(loaded.material, kdf));
    const envelope = encrypt(JSON.stringify({ entries: records }), key, kdf);
    await writeFileAtomic(this.path, `${JSON.stringify(envelope, null, 2)}\n`);
  }

  /** Derived keys are cached per salt: scrypt runs once per file and passphrase. */
  #key(material: KeyMaterial, kdf: KdfHeader): Promise<Buffer> {
    if (kdf.name === 'none' || material.kind === 'key') return deriveKey(material, kdf, this.path);
    const cacheKey = `${kdf.salt}:${kdf.N}:${kdf.r}:${kdf.p}`;
    let key = this.#keys.get(cacheKey);
    if (!key) {
      key = deriveKey(material, kdf, this.path);
      this.#keys.set(cacheKey, key);
      key.catch(() => this.#keys.delete(cacheKey));
    }
    return key;
  }

  #material(): KeyMaterial {
    const { key, passphrase } = this.#options;
    if (key !== undefined) return { kind: 'key', key: parseKey(key, 'key') };
    if (passphrase !== undefined) {
      if (typeof passphrase !== 'string' || passphrase === '') throw new InvalidOptionError('passphrase is empty');
      return { kind: 'passphrase', passphrase };
    }
    const envKey = this.#env['GITFLEET_CREDENTIALS_KEY'];
    if (envKey) return { kind: 'key', key: parseKey(envKey, 'GITFLEET_CREDENTIALS_KEY') };
    const envPassphrase = this.#env['GITFLEET_CREDENTIALS_PASSPHRASE'];
    if (envPassphrase) return { kind: 'passphrase', passphrase: envPassphrase };
    throw new MissingKeyError();
  }
}

type ApiRecord = CredentialRecord & { provider: ProviderKind };
function apiRecords(records: CredentialRecord[]): ApiRecord[] {
  return records.filter((r): r is ApiRecord => r.provider !== 'git');
}

function masked(record: CredentialRecord): StoredCredential {
  const { token: _token, ...rest } = record;
  return rest;
}

/** A 32-byte key from bytes, 64 hex digits or base64 (standard or URL-safe). */
function parseKey(value: string | Uint8Array, name: string): Buffer {
  let key: Buffer | undefined;
  if (value instanceof Uint8Array) key = Buffer.from(value);
  else if (/^[0-9a-f]{64}$/i.test(value.trim())) key = Buffer.from(value.trim(), 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value.trim())) key = Buffer.from(value.trim(), 'base64');
  if (key?.length !== 32) throw new InvalidOptionError(`${name} must be 32 bytes, as base64 or 64 hex digits`);
  return key;
}

/** `host` or `host:port`, a name or an IPv4/bracketed IPv6 address. */
const HOST = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(:\d{1,5})?$/i;

function checkInput(input: AddCredentialInput): void {
  if (typeof input !== 'object' || input === null) throw new InvalidOptionError('add() needs { provider, token }');
  if (input.provider !== 'github' && input.provider !== 'gitlab' && input.provider !== 'git') {
    throw new InvalidOptionError('provider must be "github", "gitlab" or "git"');
  }
  if (input.provider === 'git') {
    if (typeof input.host !== 'string' || !HOST.test(input.host.trim())) throw new InvalidOptionError('a git token needs a host such as git.example.org or 127.0.0.1:8080');
    if (input.baseUrl !== undefined) throw new InvalidOptionError('a git token has a host, not a baseUrl');
    if (input.username !== undefined && (typeof input.username !== 'string' || input.username === '' || /[\s:]/.test(input.username))) {
      throw new InvalidOptionError('username must be non-empty, without whitespace or ":"');
    }
  } else if (input.host !== undefined || input.username !== undefined) {
    throw new InvalidOptionError('host and username are for git tokens only');
  }
  if (typeof input.token !== 'string' || input.token === '' || /\s/.test(input.token)) {
    throw new InvalidOptionError('token must be a non-empty string without whitespace');
  }
  if (input.label !== undefined && (typeof input.label !== 'string' || input.label.trim() === '')) {
    throw new InvalidOptionError('label must be a non-empty string');
  }
  if (input.baseUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(input.baseUrl)) {
    throw new InvalidOptionError('baseUrl must be an http(s) URL');
  }
}

function parseRecords(plaintext: string, path: string): CredentialRecord[] {
  let value: unknown;
  try {
    value = JSON.parse(plaintext);
  } catch {
    throw new CorruptStoreError(path, 'decrypted contents are not JSON');
  }
  const entries = (value as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) throw new CorruptStoreError(path, 'no entries');
  return entries.map((entry: unknown, i) => {
    const e = entry as Partial<CredentialRecord> | null;
    const ok =
      typeof e?.id === 'string' &&
      typeof e.token === 'string' &&
      (e.provider === 'github' || e.provider === 'gitlab' || (e.provider === 'git' && typeof e.host === 'string')) &&
      typeof e.createdAt === 'string' &&
      (e.label === undefined || typeof e.label === 'string') &&
      (e.baseUrl === undefined || typeof e.baseUrl === 'string') &&
      (e.username === undefined || typeof e.username === 'string');
    if (!ok) throw new CorruptStoreError(path, `bad entry ${i}`);
    return { ...(e as CredentialRecord), tokenId: maskToken(e.token!) };
  });
}
