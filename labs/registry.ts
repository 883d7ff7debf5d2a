import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../orchestrator/common/atomic-file.js';
import type { Lab } from './provider.js';

/** A lab started by `swarmlab lab up`: the lab and the supervisor process that owns its nodes. */
export interface LabRecord extends Lab {
  supervisorPid: number;
}

export const recordPath = (labsDir: string, id: string) => join(labsDir, id, 'lab.json');

export function writeRecord(labsDir: string, record: LabRecord): void {
  writeFileAtomicSync(recordPath(labsDir, record.id), `${JSON.stringify(record, null, 2)}\n`, 0o644);
}

export function readRecord(labsDir: string, id: string): LabRecord | undefined {
  const path = recordPath(labsDir, id);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as LabRecord;
}

export function listRecords(labsDir: string): LabRecord[] {
  if (!existsSync(labsDir)) return [];
  return readdirSync(labsDir)
    .map((id) => readRecord(labsDir, id))
    .filter((record): record is LabRecord => record !== undefined)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Whether `pid` is still the process that was recorded (pids are reused: check its command line too). */
export function isProcess(pid: number, commandLineIncludes: string[]): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return commandLineIncludes.every((part) => cmdline.includes(part));
  } catch {
    return false;
  }
}
