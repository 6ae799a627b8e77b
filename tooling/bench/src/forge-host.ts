/**
 * Hosts the fake forge in a process of its own for the provider benchmark, so the server's work
 * does not share the client's event loop (as a real API would not). Prints its GitHub base URL on
 * the first line of stdout; each stdin line `latency <ms>` sets the per-response latency and is
 * acknowledged with `ok`.
 */
import { createInterface } from 'node:readline';
import { startForgeServer } from '@gitfleet/test-kit/forge-server';

const [repos, token] = [Number(process.argv[2]), process.argv[3] ?? ''];
const server = await startForgeServer({
  seed: {
    orgs: [{ login: 'bench', members: ['bench-user'] }],
    repos: Array.from({ length: repos }, (_, i) => ({ owner: 'bench', name: `repo-${String(i).padStart(5, '0')}` })),
  },
  identities: [{ token, login: 'bench-user', limit: 1_000_000 }],
});
process.stdout.write(`${server.githubUrl}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const [command, value] = line.split(' ');
  if (command === 'latency') server.setLatency(Number(value));
  process.stdout.write('ok\n');
}
await server.close();
