// `pnpm --filter @gitfleet/report screenshots` (after `pnpm build`): the README's screenshots,
// docs/report-fleet.png (fleet view, light theme) and docs/report-repo.png (a repository's view,
// dark theme), taken in headless Chromium from the report of a generated fleet (12 repositories,
// 12,000 commits, people in 16 time zones, bots, pull requests and issues, a failed repository).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '@gitfleet/test-kit/browser';
import { generateFleetDataset } from '@gitfleet/test-kit/fleet-dataset';
import { writeReport } from '@gitfleet/report';

const docs = fileURLToPath(new URL('../../../docs/', import.meta.url));
const work = await mkdtemp(join(tmpdir(), 'gitfleet-screenshots-'));
const browser = await launchBrowser();
try {
  const facts = await generateFleetDataset(join(work, 'data'), { repositories: 12, commits: 12_000, seed: 2026, failed: 1 });
  const file = join(work, 'report.html');
  await writeReport(facts.dir, file, { title: 'Acme engineering', generatedTime: Date.UTC(2026, 5, 1) });
  const shoot = async (hash, theme, name) => {
    const { page, errors } = await browser.open(file, { width: 1400, height: 1800, colorScheme: theme });
    await page.evaluate(() => localStorage.removeItem('gitfleet-report-theme'));
    await page.reload();
    await page.waitForSelector('html[data-ready]');
    if (hash) {
      await page.evaluate((h) => (location.hash = h), hash);
      await page.waitForSelector('html[data-view="repository"]');
    }
    if (errors.length) throw new Error(`console errors: ${errors.join('\n')}`);
    await page.screenshot({ path: join(docs, name), fullPage: false });
    process.stderr.write(`wrote docs/${name}\n`);
    await page.close();
  };
  const busiest = facts.repositories[facts.sizes.indexOf(Math.max(...facts.sizes))];
  await shoot('', 'light', 'report-fleet.png');
  await shoot(`#repository=${encodeURIComponent(busiest)}`, 'dark', 'report-repo.png');
} finally {
  await browser.close();
  await rm(work, { recursive: true, force: true });
}
