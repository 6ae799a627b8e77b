import { addedLength, applyHunks, combinedLength, combinedLineMap, plainLength, plainLineMap } from './line-maps.js';
import { kindOf, type CombinedSection, type CommitRecord, type FileKind, type PatchSection, type RawEntry } from './records.js';

/** One file in one commit: its blob, type class and line owners (null: not known, see below). */
export interface FileState {
  readonly blob: string;
  readonly kind: FileKind;
  /**
   * Owner (commit number) of each line, as `git blame` would attribute it; null when the walk
   * cannot know it exactly (binary diffs, a rename only blame's own search would find, a
   * boundary commit without state): such a file is blamed by git at the end.
   */
  readonly owners: Int32Array | null;
}

/** Path -> file, for one commit's tree (files only; trees are implied). Shared, never mutated once stored. */
export type TreeState = Map<string, FileState>;

/** What the replay asks git directly, for the few files the streamed diffs cannot settle. */
export interface ReplayGit {
  /** Hunks of a plain zero-context diff from one blob to another (as `git diff`), or null when git finds them binary. */
  diff(from: string, to: string): Promise<number[] | null>;
  /**
   * git's rename detection between `parent` and `commit` limited to the files `targets` and the
   * files deleted since `parent` (`sources` when the caller knows them): destination -> source.
   * With one target it is `git blame`'s search for that file (blame.c find_rename): the best of
   * the deleted files for it alone, whatever the commit's own detection paired with other files.
   */
  renames(parent: string, commit: string, targets: readonly string[], sources?: readonly string[]): Promise<Map<string, string>>;
}

/** Git's empty blob: a diff from it gives a file's whole length. */
const EMPTY_BLOB = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';

/** Why a file's owners became unknown, counted for the report. */
export type UnknownReason = 'binary' | 'inconsistent' | 'merge-rename' | 'boundary';

/**
 * Files settled by asking git directly (a blob diff, a rename search) instead of the streamed diffs;
 * `follow`: a file git blame follows to another source than the commit's rename detection paired.
 */
export type RepairReason = 'combined' | 'merge-rename' | 'patch' | 'follow';

export interface ReplayStats {
  commits: number;
  merges: number;
  unknown: Record<UnknownReason, number>;
  repaired: Record<RepairReason, number>;
  /** Most tree states alive at once (commits whose children are still pending). */
  peakStates: number;
}

/**
 * Replays history forward in topological order (parents first) and carries every file's line
 * owners through git's own diffs, applying `git blame`'s rules for passing lines to parents
 * (blame.c `pass_blame`): a parent with the identical blob at the same path takes the whole file;
 * else a renamed source; else each line goes to the first parent (in order) that has it
 * unchanged, and the rest to the commit.
 */
export class Replay {
  private readonly states = new Map<string, { tree: TreeState; pending: number }>();
  readonly stats: ReplayStats = {
    commits: 0,
    merges: 0,
    unknown: { binary: 0, inconsistent: 0, 'merge-rename': 0, boundary: 0 },
    repaired: { combined: 0, 'merge-rename': 0, patch: 0, follow: 0 },
    peakStates: 0,
  };

  /**
   * @param children number of children each commit has within the walk (its state is kept until
   *   the last one is replayed)
   * @param boundary the tree of a parent outside the walk (incremental runs): its files with
   *   known owners where a cached state has them, else owners null
   */
  constructor(
    private readonly children: Map<string, number>,
    private readonly boundary: (sha: string) => Promise<TreeState>,
    private readonly git: ReplayGit,
  ) {}

  /** Seeds a commit's state (a cached state to continue from). */
  seed(sha: string, tree: TreeState): void {
    this.states.set(sha, { tree, pending: this.children.get(sha) ?? 0 });
  }

  /** The state of a commit replayed earlier that nothing else needs any more (e.g. the walk's head). */
  take(sha: string): TreeState | undefined {
    const entry = this.states.get(sha);
    this.states.delete(sha);
    return entry?.tree;
  }

  /** A non-merge commit (or a root) and its record: `--raw` entries and plain patch sections. */
  async commit(sha: string, parents: readonly string[], owner: number, record: CommitRecord): Promise<void> {
    const followed = parents.length === 0 ? new Map<string, string | undefined>() : await this.followed(parents[0]!, sha, record.raw);
    const tree = parents.length === 0 ? new Map<string, FileState>() : await this.base(parents[0]!);
    const sections = matchSections(record);
    // Read everything from the parent's tree first: a commit may swap two paths.
    const deleted: string[] = [];
    const changed: [string, FileState][] = [];
    for (const [i, entry] of record.raw.entries()) {
      const from = entry.fromPaths[0]!;
      const toKind = kindOf(entry.toMode);
      if (entry.status === 'D' || entry.status === 'R') deleted.push(from);
      if (entry.status === 'D') continue;
      if (toKind === 'gitlink') {
        deleted.push(entry.toPath);
        continue;
      }
      let old = entry.status === 'A' || entry.status === 'T' ? undefined : tree.get(from);
      let section = sections?.[i];
      if (followed.has(entry.toPath) && !section?.binary) {
        // Blame follows this file to another source than the commit's pairing: diff from that one.
        const source = followed.get(entry.toPath);
        old = source === undefined ? undefined : tree.get(source);
        const hunks = await this.git.diff(old?.blob ?? EMPTY_BLOB, entry.toBlob);
        this.stats.repaired.follow++;
        section = { kind: 'plain', binary: hunks === null, hunks: hunks ?? [] };
      } else if (!sections) {
        // Sections that do not line up with the entries: ask git for this file's diff alone.
        const hunks = await this.git.diff(old?.blob ?? EMPTY_BLOB, entry.toBlob);
        this.stats.repaired.patch++;
        section = { kind: 'plain', binary: hunks === null, hunks: hunks ?? [] };
      }
      const owners = this.carry(old, entry, section, owner);
      changed.push([entry.toPath, { blob: entry.toBlob, kind: toKind, owners }]);
    }
    for (const path of deleted) tree.delete(path);
    for (const [path, file] of changed) tree.set(path, file);
    this.finish(sha, tree);
  }

  /**
   * A merge: `fp` has its first-parent `--raw` entries (what changed against the first parent),
   * `combined` its combined diff (`-c --no-renames`: files that differ from every parent, with
   * each parent's shared lines).
   */
  async merge(sha: string, parents: readonly string[], owner: number, fp: CommitRecord, combined: CommitRecord): Promise<void> {
    this.stats.merges++;
    const followed = await this.followed(parents[0]!, sha, fp.raw);
    const tree = await this.base(parents[0]!);
    const parentTrees = [tree];
    for (const p of parents.slice(1)) parentTrees.push(await this.peek(p));
    const combinedByPath = new Map<string, CombinedSection | undefined>();
    const aligned = combined.raw.length === combined.sections.length;
    combined.raw.forEach((entry, i) => combinedByPath.set(entry.toPath, aligned ? (combined.sections[i] as CombinedSection) : undefined));
    const deleted: string[] = [];
    const changed: [string, FileState][] = [];
    for (const entry of fp.raw) {
      const toKind = kindOf(entry.toMode);
      if (entry.status === 'D' || entry.status === 'R') deleted.push(entry.fromPaths[0]!);
      if (entry.status === 'D') continue;
      if (toKind === 'gitlink') {
        deleted.push(entry.toPath);
        continue;
      }
      const owners = await this.mergeFile(sha, parents, entry, toKind, parentTrees, followed, combinedByPath.has(entry.toPath), combinedByPath.get(entry.toPath), owner);
      changed.push([entry.toPath, { blob: entry.toBlob, kind: toKind, owners }]);
    }
    for (const path of deleted) tree.delete(path);
    for (const [path, file] of changed) tree.set(path, file);
    this.finish(sha, tree);
  }

  /**
   * Added and renamed files whose source `git blame` picks differently from the commit's own
   * rename detection, with blame's pick (undefined: none). git log pairs a commit's deleted and
   * added files one to one, best pairs first; blame searches every deleted file for the one file
   * it follows. A source nobody took would have been paired with an added file it fits, so only
   * a source another file took can make a difference: none without renames; for renamed files,
   * another rename's source (asked file by file, except an exact rename whose blob no other
   * source has); for added files, a renamed file's source (first one search for all of them
   * against those sources: when it pairs nothing, neither would blame's).
   */
  private async followed(parent: string, sha: string, raw: readonly RawEntry[]): Promise<Map<string, string | undefined>> {
    const out = new Map<string, string | undefined>();
    const renamed = raw.filter((e) => e.status === 'R' && kindOf(e.toMode) !== 'gitlink');
    if (renamed.length === 0) return out;
    const added = raw.filter((e) => e.status === 'A' && kindOf(e.toMode) !== 'gitlink');
    const sources = raw.filter((e) => e.status === 'D' || e.status === 'R').map((e) => e.fromPaths[0]!);
    const taken = renamed.map((e) => e.fromPaths[0]!);
    const blobs = new Map<string, number>();
    for (const e of raw) if (e.status === 'D' || e.status === 'R') blobs.set(e.fromBlobs[0]!, (blobs.get(e.fromBlobs[0]!) ?? 0) + 1);
    const asked = renamed.length < 2 ? [] : renamed.filter((e) => !(e.fromBlobs[0] === e.toBlob && blobs.get(e.toBlob) === 1));
    if (added.length === 1 || (added.length > 1 && (await this.git.renames(parent, sha, added.map((e) => e.toPath), taken)).size > 0)) asked.push(...added);
    const picks = await Promise.all(asked.map((e) => this.git.renames(parent, sha, [e.toPath], sources)));
    asked.forEach((e, i) => {
      const pick = picks[i]!.get(e.toPath);
      if (pick !== (e.status === 'R' ? e.fromPaths[0] : undefined)) out.set(e.toPath, pick);
    });
    return out;
  }

  /** Live states right now. */
  get liveStates(): number {
    return this.states.size;
  }

  private async mergeFile(
    sha: string,
    parentShas: readonly string[],
    entry: RawEntry,
    kind: FileKind,
    parents: TreeState[],
    followed: ReadonlyMap<string, string | undefined>,
    isCombined: boolean,
    section: CombinedSection | undefined,
    owner: number,
  ): Promise<Int32Array | null> {
    const path = entry.toPath;
    // Pass 0 (blame's find_origin): the same path in each parent; an identical blob takes all.
    // A parent whose blob equals an earlier parent's adds nothing.
    const origins: (FileState | undefined)[] = [];
    for (let k = 0; k < parents.length; k++) {
      const file = parents[k]!.get(path);
      if (!file || file.kind !== kind) continue;
      if (file.blob === entry.toBlob) return file.owners;
      if (!origins.some((o) => o?.blob === file.blob)) origins[k] = file;
    }
    // Pass 1 (find_rename) for parents without the path. For the first parent, the first-parent
    // diff's rename detection answers (or `followed`, where blame's search may differ); -c ran
    // without renames, so for another parent git is asked (rare: a file renamed on one side and
    // changed by the merge).
    let renamed = false;
    for (let k = 0; k < parents.length; k++) {
      if (origins[k] || parents[k]!.has(path)) continue;
      const paired = entry.status === 'R' ? entry.fromPaths[0] : undefined;
      const source = k === 0 ? (followed.has(path) ? followed.get(path) : paired) : (await this.git.renames(parentShas[k]!, sha, [path])).get(path);
      const file = source === undefined ? undefined : parents[k]!.get(source);
      if (!file || file.kind !== kind) continue;
      if (file.blob === entry.toBlob) return file.owners;
      if (!origins.some((o) => o?.blob === file.blob)) origins[k] = file;
      renamed = true;
    }
    if (origins.some((o) => o && !o.owners)) return null; // a parent's version is unknown already
    const fromCombined = !renamed && isCombined && section && !section.binary ? this.combinedOwners(section, origins, owner) : null;
    if (fromCombined) return fromCombined;
    // -c could not settle it (a rename, or a combined diff that does not add up): plain diffs
    // from each origin's blob, as blame runs them.
    this.stats.repaired[renamed ? 'merge-rename' : 'combined']++;
    return this.ownersFromDiffs(origins, entry.toBlob, owner);
  }

  private combinedOwners(section: CombinedSection, origins: (FileState | undefined)[], owner: number): Int32Array | null {
    const first = origins.findIndex((o) => o !== undefined);
    const length = first === -1 ? addedLength(section) : combinedLength(section, first, origins[first]!.owners!.length);
    if (length < 0) return null;
    const owners = new Int32Array(length).fill(-1);
    for (let k = 0; k < origins.length; k++) {
      const origin = origins[k];
      if (!origin) continue;
      const map = combinedLineMap(section, k, length, origin.owners!.length);
      if (!map) return null;
      for (let r = 0; r < length; r++) {
        const p = map[r]!;
        if (owners[r] === -1 && p >= 0) owners[r] = origin.owners![p]!;
      }
    }
    for (let r = 0; r < length; r++) if (owners[r] === -1) owners[r] = owner;
    return owners;
  }

  private async ownersFromDiffs(origins: (FileState | undefined)[], to: string, owner: number): Promise<Int32Array | null> {
    const diffs: { origin: FileState; hunks: number[] }[] = [];
    for (const origin of origins) {
      if (!origin) continue;
      const hunks = await this.git.diff(origin.blob, to);
      if (!hunks) return this.unknown('binary');
      diffs.push({ origin, hunks });
    }
    let length: number;
    if (diffs.length > 0) length = plainLength(diffs[0]!.hunks, diffs[0]!.origin.owners!.length);
    else {
      const whole = await this.git.diff(EMPTY_BLOB, to);
      if (!whole) return this.unknown('binary');
      length = plainLength(whole, 0);
    }
    const owners = new Int32Array(Math.max(0, length)).fill(-1);
    for (const { origin, hunks } of diffs) {
      const map = plainLineMap(hunks, length, origin.owners!.length);
      if (!map) return this.unknown('inconsistent');
      for (let r = 0; r < length; r++) {
        const p = map[r]!;
        if (owners[r] === -1 && p >= 0) owners[r] = origin.owners![p]!;
      }
    }
    for (let r = 0; r < length; r++) if (owners[r] === -1) owners[r] = owner;
    return owners;
  }

  /** Owners of a changed file in a non-merge commit. */
  private carry(old: FileState | undefined, entry: RawEntry, section: PatchSection | undefined, owner: number): Int32Array | null {
    if (!section) return this.unknown('inconsistent');
    if (section.binary) return this.unknown('binary');
    if (old && old.blob === entry.toBlob && old.kind === kindOf(entry.toMode)) return old.owners; // mode change or pure rename
    if (!old) {
      // New file: every line is this commit's. Its length is the hunk's.
      const length = section.hunks.length === 0 ? 0 : section.hunks[3]!;
      return new Int32Array(length).fill(owner);
    }
    if (!old.owners) return null;
    return applyHunks(old.owners, section.hunks, owner) ?? this.unknown('inconsistent');
  }

  private unknown(reason: UnknownReason): null {
    this.stats.unknown[reason]++;
    return null;
  }

  /** The first parent's tree to build on: taken over by its last child, copied for the others. */
  private async base(parent: string): Promise<TreeState> {
    const entry = this.states.get(parent);
    if (!entry) return new Map(await this.boundaryTree(parent));
    if (--entry.pending <= 0) {
      this.states.delete(parent);
      return entry.tree;
    }
    return new Map(entry.tree);
  }

  /** Another parent's tree, read only. */
  private async peek(parent: string): Promise<TreeState> {
    const entry = this.states.get(parent);
    if (!entry) return this.boundaryTree(parent);
    if (--entry.pending <= 0) this.states.delete(parent);
    return entry.tree;
  }

  private readonly boundaries = new Map<string, Promise<TreeState>>();

  private boundaryTree(sha: string): Promise<TreeState> {
    let tree = this.boundaries.get(sha);
    if (!tree) {
      tree = this.boundary(sha);
      this.boundaries.set(sha, tree);
    }
    return tree;
  }

  private finish(sha: string, tree: TreeState): void {
    this.stats.commits++;
    // The tree is stored even without children: the walk's head is taken by the caller.
    this.states.set(sha, { tree, pending: this.children.get(sha) ?? 0 });
    if (this.states.size > this.stats.peakStates) this.stats.peakStates = this.states.size;
  }
}

/**
 * Pairs each `--raw` entry with its patch section, checking the blob ids git prints in each
 * section's `index` line. A type change prints two sections (the old file deleted, the new one
 * created). Undefined when they do not line up (the commit's files then count as unknown).
 */
export function matchSections(record: CommitRecord): (PatchSection | undefined)[] | undefined {
  const out: (PatchSection | undefined)[] = [];
  let s = 0;
  const zero = (id: string): boolean => /^0+$/.test(id);
  const fits = (section: PatchSection | undefined, from: string, to: string): boolean => {
    if (!section || section.kind !== 'plain') return false;
    if (!section.index) return from === to || section.binary;
    const [a, b] = section.index;
    return (a === from || (zero(a) && zero(from))) && (b === to || (zero(b) && zero(to)));
  };
  for (const entry of record.raw) {
    const from = entry.fromBlobs[0]!;
    if (entry.status === 'T') {
      const [del, add] = [record.sections[s] as PatchSection | undefined, record.sections[s + 1] as PatchSection | undefined];
      if (fits(del, from, '0') && fits(add, '0', entry.toBlob)) {
        out.push(add);
        s += 2;
        continue;
      }
    }
    const section = record.sections[s] as PatchSection | undefined;
    if (!fits(section, from, entry.toBlob)) return undefined;
    out.push(section);
    s++;
  }
  return s === record.sections.length ? out : undefined;
}
