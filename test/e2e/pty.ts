import { spawn } from 'node:child_process';
import xterm from '@xterm/headless';
import { CLI } from './cli.js';

export interface PtyRun {
  code: number | null;
  /** Every byte the terminal received (stdout and stderr share it, as in a real terminal). */
  raw: string;
}

const shellQuote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

/** Keys to type once the screen shows `after` (ANSI escapes ignored), counted from the previous step. */
export interface PtyStep {
  after: string | RegExp;
  keys: string;
}

/** Keys as a terminal sends them. */
export const KEYS = { up: '\x1b[A', down: '\x1b[B', enter: '\r', ctrlC: '\x03' } as const;

const ANSI = /\x1b\[[0-9;?]*[ -\/]*[@-~]|\x1b[()][0-9A-B]|\x1b[=>78]/g;

/** The terminal's bytes without escape sequences, for matching what is on screen. */
export const plain = (raw: string): string => raw.replace(ANSI, '');

/**
 * Runs the built CLI in a real pseudo-terminal (util-linux `script`), `cols` wide, with stdout and
 * stderr both on the terminal, as a user at a shell runs it. `steps` type keys into the terminal
 * (script passes its input to the pty) as the screen shows what each waits for.
 */
export function runInPty(
  args: string[],
  options: { env?: Record<string, string>; cols?: number; rows?: number; cwd?: string; steps?: PtyStep[] } = {},
): Promise<PtyRun> {
  const { cols = 200, rows = 50 } = options;
  const command = `stty cols ${cols} rows ${rows}; exec ${[process.execPath, CLI, ...args].map(shellQuote).join(' ')}`;
  const env: Record<string, string | undefined> = { ...process.env, TERM: 'xterm-256color', ...options.env };
  delete env['CI'];
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    const steps = [...(options.steps ?? [])];
    // Without steps, input ends at once; with them, it stays open for the keys (and ends with the process).
    if (steps.length === 0) child.stdin.end();
    child.stdin.on('error', () => undefined);
    let raw = '';
    let from = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      raw += chunk.toString('utf8');
      for (;;) {
        const step = steps[0];
        if (!step) break;
        const seen = plain(raw.slice(from));
        const at = typeof step.after === 'string' ? seen.indexOf(step.after) : seen.search(step.after);
        if (at === -1) break;
        steps.shift();
        from = raw.length;
        child.stdin.write(step.keys);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.destroy();
      resolve({ code, raw });
    });
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
