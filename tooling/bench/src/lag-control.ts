import { spawn } from 'node:child_process';

/**
 * An idle Node process measuring its own event-loop lag (p99, ms) while a run goes on: what any
 * process on this (shared) machine sees, so a run's own lag can be read against it.
 */
export function startLagControl(): { stop: () => Promise<number> } {
  const code =
    "const h=require('node:perf_hooks').monitorEventLoopDelay({resolution:10});h.enable();setInterval(()=>{},1000);" +
    "process.on('SIGTERM',()=>{process.stdout.write(String(h.percentile(99)/1e6));process.exit(0)})";
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('close', () => resolve(Number(out)));
        child.kill('SIGTERM');
      }),
  };
}
