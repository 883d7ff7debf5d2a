/**
 * The process that owns a lab started by `swarmlab lab up`: it starts the nodes as its children, records the
 * lab, prints one ready line and stays until `swarmlab lab down` sends SIGTERM. Its nodes hold a lifeline to
 * it, so killing it (even with -9) takes them down too.
 */
import { LocalProvider } from './local/local-provider.js';
import type { LabHandle, LabSpec } from './provider.js';
import { writeRecord } from './registry.js';

async function supervise(spec: LabSpec, labsDir: string): Promise<void> {
  const provider = new LocalProvider({ labsDir });
  let handle: LabHandle | undefined;
  let ready = false;
  const shutdown = async (code: number) => {
    await handle?.destroy();
    process.exit(code);
  };
  // Until the lab is ready, the `lab up` command holds our stdin: if it dies, nobody will ever own this lab.
  process.stdin.on('data', () => {});
  process.stdin.on('end', () => {
    if (!ready) void shutdown(1);
  });
  process.once('SIGTERM', () => void shutdown(0));
  process.once('SIGINT', () => void shutdown(0));
  try {
    handle = await provider.create(spec);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ error: (error as Error).message })}\n`);
    process.exit(1);
  }
  writeRecord(labsDir, { ...handle.lab, supervisorPid: process.pid });
  ready = true;
  process.stdout.write(`${JSON.stringify(handle.lab)}\n`, () => process.stdout.destroy());
}

const [specJson, labsDir] = process.argv.slice(2);
void supervise(JSON.parse(specJson) as LabSpec, labsDir);
