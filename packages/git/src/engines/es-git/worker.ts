/**
 * The es-git worker (a tinypool worker module). Every es-git call is synchronous, so all of them
 * run here, off the main thread. Failures are returned as plain `WorkerError` data, never thrown,
 * so their codes survive the thread boundary.
 */
import { blameFile } from './blame.js';
import { runHistory } from './history.js';
import { blobSizes, listTreeFiles } from './objects.js';
import { WorkerFailure, toWorkerError, type Task, type TaskResult } from './protocol.js';
import { listBranches, peelToCommit, refState } from './refs.js';
import { openLocation, repository } from './repos.js';
import { stagedDiff } from './staged.js';

async function run(task: Task): Promise<unknown> {
  if (task.op === 'open') return openLocation(task.path);
  const repo = await repository(task.root);
  switch (task.op) {
    case 'resolveCommit': {
      const sha = peelToCommit(repo, task.rev);
      if (!sha) throw new WorkerFailure('GITFLEET_GIT_UNKNOWN_REVISION', `unknown revision: ${task.rev}`, { rev: task.rev });
      return sha;
    }
    case 'refState':
      return refState(repo);
    case 'history':
      return runHistory(repo, task.query, task.port);
    case 'listFiles':
      return listTreeFiles(repo, task.commit);
    case 'blameFile':
      return blameFile(repo, task.commit, task.file);
    case 'blobSizes':
      return blobSizes(repo, task.ids);
    case 'branches':
      return listBranches(repo);
    case 'stagedDiff':
      return stagedDiff(repo);
  }
}

export default async function handle(task: Task): Promise<TaskResult> {
  try {
    return { ok: true, value: await run(task) };
  } catch (error) {
    return { ok: false, error: toWorkerError(error) };
  }
}
