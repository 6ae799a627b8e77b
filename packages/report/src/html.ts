import { chartLibrary, notices, script, scriptHash, style } from './client-assets.js';
import type { ReportData } from './report-data.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML content or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON that is safe inside `<script type="application/json">`: no `<` (so no `</script>` and no
 * `<!--`), no `>`/`&`, and the line separators JavaScript once choked on, all as `\uXXXX` escapes,
 * which JSON.parse reads back as the same characters.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The page's Content-Security-Policy: nothing may load from anywhere (`default-src 'none'`), the
 * one inline script runs by its hash (so no injected script or event handler could), styles inline.
 */
export const CONTENT_SECURITY_POLICY = `default-src 'none'; script-src '${scriptHash}'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;

/** The HTML before the embedded data. */
export function htmlHead(data: Pick<ReportData, 'title'>): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="gitfleet report (${escapeHtml(chartLibrary.name)} ${escapeHtml(chartLibrary.version)})">
<title>${escapeHtml(data.title)}</title>
<style>${style}</style>
</head>
<body>
<div id="app"></div>
<noscript><p>This report draws its charts with JavaScript; please enable it for this file.</p></noscript>
<script type="application/json" id="gitfleet-report-data">`;
}

/** The HTML after the embedded data: the page script and the licence notices. */
export function htmlTail(): string {
  return `</script>
<script>${script}</script>
<details class="notices"><summary>Third-party software in this file (charts by ${escapeHtml(chartLibrary.name)} ${escapeHtml(chartLibrary.version)}, ${escapeHtml(chartLibrary.license)})</summary><pre>${escapeHtml(notices)}</pre></details>
</body>
</html>
`;
}
