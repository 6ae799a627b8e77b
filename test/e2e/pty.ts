import { spawn } from 'node:child_process';
import xterm from '@xterm/headless';
import { CLI } from './cli.js';

export interface PtyRun {
  code: number | null;
  /** Every byte the terminal received (stdout and stderr share it, as in a real terminal). */
  raw: string;
}

const shellQuote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

/**
 * Runs the built CLI in a real pseudo-terminal (util-linux `script`), `cols` wide, with stdout and
 * stderr both on the terminal, as a user at a shell runs it.
 */
export function runInPty(args: string[], options: { env?: Record<string, string>; cols?: number; rows?: number } = {}): Promise<PtyRun> {
  const { cols = 200, rows = 50 } = options;
  const command = `stty cols ${cols} rows ${rows}; exec ${[process.execPath, CLI, ...args].map(shellQuote).join(' ')}`;
  const env: Record<string, string | undefined> = { ...process.env, TERM: 'xterm-256color', ...options.env };
  delete env['CI'];
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child.stdin.end();
    let raw = '';
    child.stdout.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, raw }));
  });
}

export interface Screen {
  /** Every line of the terminal, scrollback included, right-trimmed; trailing empty lines dropped. */
  lines: string[];
  /** Where the cursor is when the command has exited: where the shell would draw its prompt. */
  cursor: { row: number; col: number };
}

/** Plays the bytes into a headless xterm and reads back what a user would see. */
export async function render(raw: string, cols = 200, rows = 50): Promise<Screen> {
  const term = new xterm.Terminal({ cols, rows, scrollback: 100_000, allowProposedApi: true, convertEol: false });
  await new Promise<void>((resolve) => term.write(raw, resolve));
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  const cursor = { row: buffer.baseY + buffer.cursorY, col: buffer.cursorX };
  term.dispose();
  return { lines, cursor };
}
