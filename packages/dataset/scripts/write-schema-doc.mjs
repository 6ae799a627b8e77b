// Regenerates SCHEMA.md from the schema definition (run after `pnpm build`).
import { writeFileSync } from 'node:fs';
import { renderSchemaMarkdown } from '../dist/index.js';

writeFileSync(new URL('../SCHEMA.md', import.meta.url), renderSchemaMarkdown());
