/** Where a ticket id sits in the subjects of a repository's history. */
export type TicketPlacement = 'bracket-prefix' | 'colon-prefix' | 'prefix' | 'suffix' | 'paren-suffix';

/**
 * What a repository's recent history says about how it writes commit subjects. Shares are
 * fractions (0-1) of the commits looked at.
 */
export interface RepoConventions {
  /** The commit the history was read from (HEAD), null for an unborn branch. */
  head: string | null;
  /** Non-merge commits by people (bots are left out when enough people committed) looked at. */
  commits: number;
  /** The style most subjects follow; `plain` when neither Conventional Commits nor gitmoji dominate. */
  style: 'conventional' | 'gitmoji' | 'plain';
  shares: { conventional: number; gitmoji: number; areaPrefix: number; ticket: number };
  /** How gitmoji are written (`✨` or `:sparkles:`), by majority. */
  gitmojiFormat: 'emoji' | 'code';
  /** Plain subjects start with the area they change (`parser: fix x`), as in git, Linux or Node.js. */
  areaPrefix: boolean;
  /** Conventional types by use, most used first. */
  types: { name: string; share: number }[];
  /** Scopes (or areas) by use, with the directories their commits touch most. */
  scopes: { name: string; commits: number; paths: string[] }[];
  /** The case of the description's first letter (after a type, gitmoji, area or ticket prefix). */
  subjectCase: 'lower' | 'upper' | 'mixed';
  subjectLength: { median: number; p90: number };
  /** How ticket ids (`PROJ-123`) appear in subjects, when they do. */
  ticket: { key: string; placement: TicketPlacement; example: string } | null;
}

/** One commit as the conventions are learned from it. */
export interface HistorySubject {
  subject: string;
  /** Paths the commit changed. */
  files: readonly string[];
  /** Made by a bot (dependabot, renovate...). */
  bot: boolean;
}
