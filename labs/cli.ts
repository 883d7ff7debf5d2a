import { spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { defaultLabsDir } from './local/local-provider.js';
import type { Lab, LabSpec } from './provider.js';
import { isProcess, type LabRecord, listRecords, readRecord } from './registry.js';

const supervisorScript = fileURLToPath(new URL('./supervisor.js', import.meta.url));

export const labUsage = `Usage:  swarmlab lab COMMAND

Manage local labs: sets of swarmd nodes on this machine's loopback addresses.

Commands:
  up     Start a lab and print its nodes
  ls     List labs
  down   Stop a lab and remove its nodes' state

Run 'swarmlab lab COMMAND --help' for more information on a command.
`;

const upUsage = `Usage:  swarmlab lab up [OPTIONS]

Start a lab of swarmd nodes named swarm-1, swarm-2, ... on their own loopback addresses.

Options:
      --json             Print the lab as JSON: {"id", "nodes": [{"name", "addr", "dockerHost", "pid"}]}
      --managers int     Also init a swarm and join the nodes, this many as managers (default 0: no swarm)
      --nodes int        Number of nodes (default 3)
      --profile string   swarmd timings: "lab" (fast failover) or "swarm" (Docker's defaults) (default "lab")
`;

const lsUsage = `Usage:  swarmlab lab ls [OPTIONS]

List the labs started with "swarmlab lab up" (in $SWARMLAB_HOME, default ~/.swarmlab).

Options:
      --json   Print the labs as JSON
`;

const downUsage = `Usage:  swarmlab lab down [OPTIONS] LAB [LAB...]

Stop labs: end their swarmd processes and remove their nodes' state.

Options:
      --all   Stop every lab
`;

const subcommandUsage: Record<string, string> = { up: upUsage, ls: lsUsage, down: downUsage };

class LabUsageError extends Error {}

function intFlag(argv: string[], name: string, fallback: number): number {
  const at = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return fallback;
  const text = argv[at].includes('=') ? argv[at].split('=')[1] : argv[at + 1];
  const value = Number(text);
  if (!Number.isInteger(value))
    throw new LabUsageError(`invalid value "${text}" for ${name}: expected an integer`);
  return value;
}

function stringFlag(argv: string[], name: string): string | undefined {
  const at = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return undefined;
  return argv[at].includes('=') ? argv[at].split('=')[1] : argv[at + 1];
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] + 3))).join(''))
    .join('\n');
}

function printLab(lab: Lab, ms: number): void {
  process.stdout.write(`Lab ${lab.id} is up: ${lab.nodes.length} nodes in ${Math.round(ms)} ms.\n\n`);
  const rows = [
    ['NAME', 'ADDRESS', 'PID', 'DOCKER_HOST'],
    ...lab.nodes.map((n) => [n.name, n.addr, String(n.pid), n.dockerHost]),
  ];
  process.stdout.write(`${table(rows)}\n\nUse a node:  export DOCKER_HOST=${lab.nodes[0].dockerHost}\n`);
  process.stdout.write(`Stop it:     swarmlab lab down ${lab.id}\n`);
}

/** Starts a supervisor process that owns the lab, waits for its ready line, and leaves it running. */
export async function labUp(spec: LabSpec, labsDir = defaultLabsDir()): Promise<Lab> {
  mkdirSync(labsDir, { recursive: true });
  const log = openSync(join(labsDir, 'supervisor.log'), 'a');
  const child = spawn(process.execPath, [supervisorScript, JSON.stringify(spec), labsDir], {
    detached: true,
    stdio: ['pipe', 'pipe', log],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) =>
      reject(new Error(`the lab supervisor exited with code ${code}; see ${labsDir}/supervisor.log`)),
    );
  });
  const result = JSON.parse(line) as Lab & { error?: string };
  if (result.error) throw new Error(result.error);
  child.unref();
  (child.stdin as NodeJS.WritableStream & { unref?: () => void }).end();
  child.stdout?.destroy();
  return result;
}

/** Stops a lab: SIGTERM to its supervisor (which stops its nodes), or to the nodes if the supervisor is gone. */
export async function labDown(record: LabRecord, labsDir = defaultLabsDir()): Promise<void> {
  const pids = isProcess(record.supervisorPid, ['supervisor.js', labsDir])
    ? [record.supervisorPid]
    : record.nodes.filter((n) => isProcess(n.pid, ['swarmd', n.dataDir])).map((n) => n.pid);
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (pids.some((pid) => isProcess(pid, [])) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const pid of pids.filter((p) => isProcess(p, []))) process.kill(pid, 'SIGKILL');
  rmSync(join(labsDir, record.id), { recursive: true, force: true });
}

export async function labCommand(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const labsDir = defaultLabsDir();
  try {
    if (command === undefined || command === '--help' || command === '-h') {
      process.stdout.write(labUsage);
      return 0;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(subcommandUsage[command] ?? labUsage);
      return 0;
    }
    if (command === 'up') {
      const nodes = intFlag(rest, '--nodes', 3);
      const managers = intFlag(rest, '--managers', 0);
      const profile = stringFlag(rest, '--profile') ?? 'lab';
      if (nodes < 1 || nodes > 64) throw new LabUsageError(`--nodes must be between 1 and 64, not ${nodes}`);
      if (managers < 0 || managers > nodes)
        throw new LabUsageError(`--managers must be between 0 and --nodes (${nodes})`);
      if (profile !== 'lab' && profile !== 'swarm')
        throw new LabUsageError(`--profile must be "lab" or "swarm"`);
      const started = performance.now();
      const lab = await labUp({ nodes, managers, profile }, labsDir);
      if (rest.includes('--json')) process.stdout.write(`${JSON.stringify(lab)}\n`);
      else printLab(lab, performance.now() - started);
      return 0;
    }
    if (command === 'ls') {
      const records = listRecords(labsDir);
      if (rest.includes('--json')) {
        process.stdout.write(`${JSON.stringify(records)}\n`);
        return 0;
      }
      const rows = [['LAB ID', 'NODES', 'STATUS', 'CREATED']];
      for (const r of records) {
        const up = r.nodes.filter((n) => isProcess(n.pid, ['swarmd'])).length;
        rows.push([
          r.id,
          String(r.nodes.length),
          up === r.nodes.length ? 'up' : `${up}/${r.nodes.length} nodes up`,
          r.createdAt,
        ]);
      }
      process.stdout.write(`${table(rows)}\n`);
      return 0;
    }
    if (command === 'down') {
      const ids = rest.includes('--all')
        ? listRecords(labsDir).map((r) => r.id)
        : rest.filter((a) => !a.startsWith('-'));
      if (ids.length === 0)
        throw new LabUsageError('"swarmlab lab down" requires a lab id (see "swarmlab lab ls") or --all');
      for (const id of ids) {
        const record = readRecord(labsDir, id);
        if (!record) throw new LabUsageError(`no such lab: ${id} (see "swarmlab lab ls")`);
        await labDown(record, labsDir);
        process.stdout.write(`${id}\n`);
      }
      return 0;
    }
    throw new LabUsageError(`'${command}' is not a swarmlab lab command.\nSee 'swarmlab lab --help'`);
  } catch (error) {
    process.stderr.write(`swarmlab lab: ${(error as Error).message}\n`);
    return 1;
  }
}
