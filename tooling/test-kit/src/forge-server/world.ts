import { createHash } from 'node:crypto';
import type { ForgePermission, ForgeSeed } from './types.js';

export interface WorldAccount {
  id: number;
  login: string;
  name: string;
  email: string | null;
  type: 'User' | 'Organization';
  createdAt: string;
}

/** A GitLab namespace that is a group: an org (top level) or a subgroup. */
export interface WorldGroup {
  id: number;
  fullPath: string;
  path: string;
  name: string;
  parentId: number | null;
  members: Set<string>;
  createdAt: string;
}

export interface WorldItem {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  author: string;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface WorldPull extends WorldItem {
  merged: boolean;
  mergedAt: string | null;
  head: string;
  base: string;
  draft: boolean;
  sha: string;
}

export interface WorldBranch {
  name: string;
  sha: string;
  protected: boolean;
}

export interface WorldRepo {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  private: boolean;
  description: string | null;
  defaultBranch: string;
  branches: WorldBranch[];
  issues: WorldItem[];
  pulls: WorldPull[];
  contributors: Array<{ login: string; contributions: number }>;
  collaborators: Array<{ login: string; permission: ForgePermission }>;
  createdAt: string;
  updatedAt: string;
  pushedAt: string;
}

const BASE_TIME = Date.UTC(2024, 0, 1);
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
export const fakeSha = (text: string): string => createHash('sha1').update(text).digest('hex');

/** The seeded data, shared by the GitHub and GitLab routes. */
export class World {
  readonly accounts = new Map<string, WorldAccount>();
  readonly groups = new Map<string, WorldGroup>();
  readonly repos: WorldRepo[] = [];
  readonly orgMembers = new Map<string, Set<string>>();
  #nextAccountId = 1000;
  #nextGroupId = 100;
  #clock = 0;
  #version = 0;

  /** Bumped by every change after construction, so rendered responses can be cached until then. */
  get version(): number {
    return this.#version;
  }

  constructor(seed: ForgeSeed, extraLogins: string[]) {
    for (const user of seed.users ?? []) this.ensureUser(user.login, user.name, user.email);
    for (const login of extraLogins) this.ensureUser(login);
    for (const org of seed.orgs ?? []) {
      this.#addAccount(org.login, org.name ?? org.login, null, 'Organization');
      const members = new Set(org.members ?? []);
      for (const member of members) this.ensureUser(member);
      this.orgMembers.set(org.login, members);
      this.#addGroup(org.login, org.name ?? org.login, null, members);
    }
    for (const group of seed.groups ?? []) {
      const parentPath = group.path.split('/').slice(0, -1).join('/');
      const parent = this.groups.get(parentPath);
      if (!parent) throw new Error(`forge seed: group ${group.path} has no parent group ${parentPath}`);
      const members = new Set(group.members ?? []);
      for (const member of members) this.ensureUser(member);
      this.#addGroup(group.path, group.name ?? group.path.split('/').pop()!, parent.id, members);
    }
    for (const [index, spec] of (seed.repos ?? []).entries()) {
      if (!this.accounts.has(spec.owner) && !this.groups.has(spec.owner)) this.ensureUser(spec.owner);
      const fullName = `${spec.owner}/${spec.name}`;
      const defaultBranch = spec.defaultBranch ?? 'main';
      const protectedNames = new Set(spec.protectedBranches ?? [defaultBranch]);
      const created = BASE_TIME + index * 3_600_000;
      const items = (count: number, offset: number, kind: string): WorldItem[] =>
        Array.from({ length: count }, (_, i) => {
          const number = offset + i + 1;
          const at = created + number * 60_000;
          return {
            number,
            title: `${kind} ${number} of ${spec.name}`,
            body: `Body of ${kind.toLowerCase()} ${number}`,
            state: 'open',
            author: spec.contributors?.[0]?.login ?? this.#firstUserLogin(),
            labels: number % 2 === 0 ? ['bug'] : [],
            createdAt: iso(at),
            updatedAt: iso(at + 30_000),
            closedAt: null,
          };
        });
      const issues = items(spec.issues ?? 0, 0, 'Issue').map((issue) =>
        issue.number % 3 === 0 ? { ...issue, state: 'closed' as const, closedAt: issue.updatedAt } : issue,
      );
      const pulls = items(spec.pulls ?? 0, spec.issues ?? 0, 'Pull request').map((item, i): WorldPull => {
        const n = i + 1;
        const merged = n % 4 === 0;
        const closed = merged || n % 4 === 1;
        return {
          ...item,
          state: closed ? 'closed' : 'open',
          closedAt: closed ? item.updatedAt : null,
          merged,
          mergedAt: merged ? item.updatedAt : null,
          head: `feature-${n}`,
          base: defaultBranch,
          draft: n % 5 === 0,
          sha: fakeSha(`${fullName}#${item.number}`),
        };
      });
      const branchNames = [defaultBranch, ...(spec.branches ?? []).filter((b) => b !== defaultBranch)];
      for (const member of spec.contributors ?? []) this.ensureUser(member.login);
      for (const member of spec.collaborators ?? []) this.ensureUser(member.login);
      this.repos.push({
        id: 5000 + index,
        owner: spec.owner,
        name: spec.name,
        fullName,
        private: spec.private ?? false,
        description: spec.description ?? `Repository ${fullName}`,
        defaultBranch,
        branches: branchNames.map((name) => ({ name, sha: fakeSha(`${fullName}@${name}`), protected: protectedNames.has(name) })),
        issues,
        pulls,
        contributors: [...(spec.contributors ?? [])].sort((a, b) => b.contributions - a.contributions),
        collaborators: (spec.collaborators ?? []).map((c) => ({ login: c.login, permission: c.permission ?? 'write' })),
        createdAt: iso(created),
        updatedAt: iso(created + 1_800_000),
        pushedAt: iso(created + 1_800_000),
      });
    }
  }

  ensureUser(login: string, name?: string, email?: string): WorldAccount {
    const known = this.accounts.get(login);
    if (known) return known;
    this.#version += 1;
    return this.#addAccount(login, name ?? login, email ?? `${login}@example.test`, 'User');
  }

  repo(fullName: string): WorldRepo | undefined {
    return this.repos.find((r) => r.fullName === fullName);
  }

  repoById(id: number): WorldRepo | undefined {
    return this.repos.find((r) => r.id === id);
  }

  groupById(id: number): WorldGroup | undefined {
    for (const group of this.groups.values()) if (group.id === id) return group;
    return undefined;
  }

  /** Whether `login` (null: anonymous) may see the repository. */
  canSee(repo: WorldRepo, login: string | null): boolean {
    if (!repo.private) return true;
    if (login === null) return false;
    return repo.owner === login || this.isMember(repo.owner, login) || repo.collaborators.some((c) => c.login === login);
  }

  /** Member of the group at `path` or of one of its ancestors (GitLab inherits membership). */
  isMember(path: string, login: string): boolean {
    const parts = path.split('/');
    for (let i = parts.length; i > 0; i--) {
      if (this.groups.get(parts.slice(0, i).join('/'))?.members.has(login)) return true;
    }
    return false;
  }

  /** Repositories in the group and, with `withSubgroups`, in its descendants. */
  groupRepos(path: string, withSubgroups: boolean): WorldRepo[] {
    return this.repos.filter((r) => r.owner === path || (withSubgroups && r.owner.startsWith(`${path}/`)));
  }

  touch(fullName: string): void {
    const repo = this.repo(fullName);
    if (!repo) throw new Error(`forge: no repository ${fullName}`);
    this.#clock += 1;
    this.#version += 1;
    repo.updatedAt = iso(Math.max(Date.parse(repo.updatedAt) + 1000, Date.now() + this.#clock * 1000));
    repo.pushedAt = repo.updatedAt;
  }

  #firstUserLogin(): string {
    for (const account of this.accounts.values()) if (account.type === 'User') return account.login;
    return 'ghost';
  }

  #addAccount(login: string, name: string, email: string | null, type: WorldAccount['type']): WorldAccount {
    const account = { id: this.#nextAccountId++, login, name, email, type, createdAt: iso(BASE_TIME - 86_400_000) };
    this.accounts.set(login, account);
    return account;
  }

  #addGroup(fullPath: string, name: string, parentId: number | null, members: Set<string>): void {
    const path = fullPath.split('/').pop()!;
    this.groups.set(fullPath, { id: this.#nextGroupId++, fullPath, path, name, parentId, members, createdAt: iso(BASE_TIME) });
  }
}
