/** Parses an RFC 8288 Link header into `rel -> URL`. */
export function parseLinkHeader(header: string | undefined): Record<string, string> {
  const links: Record<string, string> = {};
  if (!header) return links;
  for (const part of header.split(/,\s*(?=<)/)) {
    const match = /^<([^>]*)>(.*)$/.exec(part.trim());
    if (!match) continue;
    const rel = /;\s*rel="?([^";]+)"?/.exec(match[2]!)?.[1];
    if (rel) for (const name of rel.split(/\s+/)) links[name] = match[1]!;
  }
  return links;
}
