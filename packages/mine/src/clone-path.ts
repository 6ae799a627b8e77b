import { createHash } from 'node:crypto';
import { join } from 'node:path';

/**
 * The clone directory of a URL: `<clones>/<host>[_<port>]/<path>`, ending in `.git`. It depends on
 * the URL alone, so every run finds its clone again whatever else it mines. Characters that are not
 * safe in a file name become `_`; when that changed anything, a short hash of the URL keeps two
 * URLs apart.
 *
 * @example
 * clonePath('/data/.clones', 'https://github.com/acme/app.git'); // '/data/.clones/github.com/acme/app.git'
 */
export function clonePath(clones: string, url: string): string {
  const clean = url.replace(/[?#].*$/, '');
  let host = 'local';
  let path = clean;
  const standard = /^([a-z][a-z0-9+.-]*):\/\/(?:[^/@]*@)?([^/]*)(\/.*)?$/i.exec(clean);
  const scp = /^(?:[^@/]+@)?([^:/]+):(.*)$/.exec(clean);
  if (standard) {
    host = standard[1]!.toLowerCase() === 'file' ? 'file' : standard[2]!.toLowerCase().replace(':', '_');
    path = standard[3] ?? '';
  } else if (scp) {
    host = scp[1]!.toLowerCase();
    path = scp[2]!;
  }
  const raw = [host, ...path.split('/')].filter((s) => s !== '' && s !== '.');
  const safe = raw.map((s) => s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_'));
  let last = (safe.pop() ?? 'repo').replace(/\.git$/i, '') || 'repo';
  if (safe.length === 0) safe.push('local');
  if (safe.join('/') !== raw.slice(0, -1).join('/') || last !== raw.at(-1)!.replace(/\.git$/i, '')) {
    last += `-${createHash('sha256').update(url).digest('hex').slice(0, 8)}`;
  }
  return join(clones, ...safe, `${last}.git`);
}
