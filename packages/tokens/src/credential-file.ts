import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BadKeyError, CorruptStoreError, StoreIOError } from './errors.js';

/** scrypt cost parameters. The default (N=2^17, r=8, p=1: 128 MiB, ~0.3 s) follows OWASP's recommendation. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

/** How the file key is made: scrypt from a passphrase with the salt stored here, or a raw 32-byte key. */
export type KdfHeader = ({ name: 'scrypt'; salt: string } & ScryptParams) | { name: 'none' };

/** The versioned JSON envelope on disk. Binary fields are base64. */
export interface Envelope {
  format: 'gitfleet-credentials';
  version: 1;
  kdf: KdfHeader;
  cipher: 'aes-256-gcm';
  iv: string;
  tag: string;
  /** HMAC of a constant under the key: tells a wrong key apart from tampered contents. */
  keyCheck: string;
  ciphertext: string;
}

export type KeyMaterial = { kind: 'key'; key: Buffer } | { kind: 'passphrase'; passphrase: string };

const FORMAT = 'gitfleet-credentials';
const KEY_CHECK_LABEL = 'gitfleet-credentials key check v1';
// A tampered header must not make us allocate gigabytes: cap scrypt memory (128 * N * r) at 1 GiB.
const MAX_SCRYPT_MEMORY = 2 ** 30;

export function newKdfHeader(material: KeyMaterial, params: ScryptParams): KdfHeader {
  return material.kind === 'key' ? { name: 'none' } : { name: 'scrypt', ...params, salt: randomBytes(16).toString('base64') };
}

/** Derives the file key (async scrypt runs on libuv's thread pool, not the event loop). */
export async function deriveKey(material: KeyMaterial, kdf: KdfHeader, path: string): Promise<Buffer> {
  if (kdf.name === 'none') {
    if (material.kind !== 'key') throw new BadKeyError(path, 'the file was encrypted with a key, not a passphrase');
    return material.key;
  }
  if (material.kind !== 'passphrase') throw new BadKeyError(path, 'the file was encrypted with a passphrase, not a key');
  const { N, r, p } = kdf;
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(material.passphrase, Buffer.from(kdf.salt, 'base64'), 32, { N, r, p, maxmem: 128 * N * r * p + 2 ** 24 }, (error, key) => {
      if (error) reject(new CorruptStoreError(path, 'unusable key derivation parameters'));
      else resolve(key);
    });
  });
}

export function encrypt(plaintext: string, key: Buffer, kdf: KdfHeader): Envelope {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(associatedData(kdf, iv.toString('base64')));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    format: FORMAT,
    version: 1,
    kdf,
    cipher: 'aes-256-gcm',
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    keyCheck: keyCheck(key),
    ciphertext: ciphertext.toString('base64'),
  };
}

/** Decrypts an envelope: BadKeyError when the key does not match, CorruptStoreError when contents were changed. */
export function decrypt(envelope: Envelope, key: Buffer, path: string): string {
  const expected = Buffer.from(keyCheck(key), 'base64');
  const actual = Buffer.from(envelope.keyCheck, 'base64');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new BadKeyError(path, 'or the file header was modified');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'), { authTagLength: 16 });
    decipher.setAAD(associatedData(envelope.kdf, envelope.iv));
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new CorruptStoreError(path, 'authentication failed');
  }
}

/** Reads and checks the envelope's shape; undefined when the file does not exist. */
export async function readEnvelope(path: string): Promise<Envelope | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new StoreIOError(path, 'read', error);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CorruptStoreError(path, 'not JSON');
  }
  return checkEnvelope(value, path);
}

/**
 * Replaces `path` atomically: a temp file (mode 0600) in the same directory, fsync, rename, then an
 * fsync of the directory. The directory is created with mode 0700.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.chmod(0o600);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new StoreIOError(path, 'write', error);
  }
  try {
    const handle = await open(dir, 'r');
    await handle.sync().finally(() => handle.close());
  } catch {
    // Directories cannot be opened for fsync on Windows; the rename itself is still atomic.
  }
}

function keyCheck(key: Buffer): string {
  return createHmac('sha256', key).update(KEY_CHECK_LABEL).digest().subarray(0, 16).toString('base64');
}

/** The header is authenticated with the ciphertext, so changing parameters or IV fails decryption. */
function associatedData(kdf: KdfHeader, iv: string): Buffer {
  const params = kdf.name === 'none' ? 'none' : `scrypt:${kdf.N}:${kdf.r}:${kdf.p}:${kdf.salt}`;
  return Buffer.from(`${FORMAT}\n1\n${params}\naes-256-gcm\n${iv}`, 'utf8');
}

function checkEnvelope(value: unknown, path: string): Envelope {
  const fail = (reason: string): never => {
    throw new CorruptStoreError(path, reason);
  };
  if (typeof value !== 'object' || value === null) return fail('not an object');
  const v = value as Record<string, unknown>;
  if (v['format'] !== FORMAT) fail('not a gitfleet credentials file');
  if (v['version'] !== 1) fail(`unsupported version ${JSON.stringify(v['version'])}`);
  if (v['cipher'] !== 'aes-256-gcm') fail('unsupported cipher');
  const bytes = (name: string, min: number, max = min): void => {
    const field = v[name];
    const length = typeof field === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(field) ? Buffer.from(field, 'base64').length : -1;
    if (length < min || length > max) fail(`bad ${name}`);
  };
  bytes('iv', 12);
  bytes('tag', 16);
  bytes('keyCheck', 16);
  bytes('ciphertext', 0, Number.MAX_SAFE_INTEGER);
  const kdf = v['kdf'] as Record<string, unknown> | undefined;
  if (kdf?.['name'] === 'scrypt') {
    const { N, r, p, salt } = kdf;
    const isInt = (n: unknown, lo: number, hi: number): boolean => Number.isInteger(n) && (n as number) >= lo && (n as number) <= hi;
    if (!isInt(N, 2, 2 ** 30) || ((N as number) & ((N as number) - 1)) !== 0 || !isInt(r, 1, 64) || !isInt(p, 1, 16)) {
      fail('bad scrypt parameters');
    }
    if (128 * (N as number) * (r as number) * (p as number) > MAX_SCRYPT_MEMORY) fail('scrypt parameters too costly');
    if (typeof salt !== 'string' || Buffer.from(salt, 'base64').length < 16) fail('bad salt');
  } else if (kdf?.['name'] !== 'none') {
    fail('unknown key derivation');
  }
  return value as Envelope;
}
