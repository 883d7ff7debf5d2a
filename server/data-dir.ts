import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../orchestrator/common/process-alive.js';

/**
 * Prepares this server's run folder in the data directory, `run/<pid>` (its labs' nodes and shells' homes), and
 * removes what crashed servers left in theirs. Several servers may share a data directory: the progress
 * database is SQLite, and each keeps its labs in its own run folder. Returns the folder and how to remove it.
 */
export function prepareRunDir(dataDir: string): { runDir: string; release: () => void } {
  const runs = join(dataDir, 'run');
  mkdirSync(runs, { recursive: true, mode: 0o700 });
  for (const entry of readdirSync(runs)) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid)) {
      rmSync(join(runs, entry), { recursive: true, force: true });
    }
  }
  const runDir = join(runs, String(process.pid));
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  return { runDir, release: () => rmSync(runDir, { recursive: true, force: true }) };
}
