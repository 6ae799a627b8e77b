import { readFile } from 'node:fs/promises';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { renderSchemaMarkdown, TABLE_NAMES, TABLES, type CommitRow, type RowInput } from '../src/index.js';

describe('the schema', () => {
  it('SCHEMA.md is current (regenerate: pnpm --filter @gitfleet/dataset build && pnpm --filter @gitfleet/dataset run schema-doc)', async () => {
    const committed = await readFile(new URL('../SCHEMA.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderSchemaMarkdown());
  });

  it('documents every table and column of issue 11', () => {
    const required: Record<string, string[]> = {
      repositories: ['repository'],
      commits: ['repository', 'sha', 'parents', 'is_merge', 'author_name', 'author_email', 'author_time', 'author_tz_offset', 'committer_name', 'committer_email', 'committer_time', 'committer_tz_offset', 'author_id', 'message', 'additions', 'deletions', 'files_changed'],
      commit_files: ['repository', 'sha', 'path', 'old_path', 'status', 'additions', 'deletions'],
      branches: ['repository', 'name', 'sha', 'is_default'],
      ownership: ['repository', 'path', 'author_id', 'lines'],
      blame_lines: ['repository', 'path', 'line', 'sha', 'author_id'],
      authors: ['author_id', 'name', 'email', 'names', 'emails', 'logins', 'is_bot'],
      errors: ['repository', 'phase', 'message'],
      pull_requests: ['repository', 'number'],
      issues: ['repository', 'number'],
      contributors: ['repository'],
    };
    const doc = renderSchemaMarkdown();
    for (const [table, columns] of Object.entries(required)) {
      expect(TABLE_NAMES).toContain(table);
      const names = TABLES[table as keyof typeof TABLES].columns.map((c) => c.name);
      expect(names, table).toEqual(expect.arrayContaining(columns));
      for (const c of names) expect(doc, `${table}.${c}`).toContain(`| \`${c}\` |`);
    }
    for (const table of TABLE_NAMES) for (const c of TABLES[table].columns) expect(c.name).toMatch(/^[a-z][a-z0-9_]*$/);
  });

  it('derives the TypeScript row types from the same definition', () => {
    expectTypeOf<CommitRow['parents']>().toEqualTypeOf<string[]>();
    expectTypeOf<CommitRow['author_time']>().toEqualTypeOf<number>();
    expectTypeOf<CommitRow['author_id']>().toEqualTypeOf<string | null>();
    expectTypeOf<RowInput<'commit_files'>>().toHaveProperty('old_path');
    expectTypeOf<{ sha: string; path: string; status: string }>().toExtend<RowInput<'commit_files'>>();
    // Computed and derived columns are not input.
    expectTypeOf<RowInput<'commits'>>().not.toHaveProperty('author_key');
    expectTypeOf<RowInput<'commits'>>().not.toHaveProperty('author_id');
    expectTypeOf<RowInput<'commits'>>().not.toHaveProperty('is_merge');
  });
});
