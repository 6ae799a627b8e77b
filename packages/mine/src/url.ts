/**
 * An http(s) URL as a dataset key, in messages and as the fleet names it: `user:password@` removed
 * (the fleet sends that password as the credential). Other URLs stay as written.
 */
export function withoutUserinfo(url: string): string {
  const text = url.trim();
  if (!URL.canParse(text)) return text;
  const parsed = new URL(text);
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || (parsed.username === '' && parsed.password === '')) return text;
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}

/** The host key of a git credential for an http(s) URL (`host` or `host:port`, as the fleet looks it up). */
export function credentialHost(url: string): string | undefined {
  const text = url.trim();
  if (!URL.canParse(text)) return undefined;
  const parsed = new URL(text);
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.host : undefined;
}
