import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { LabNode } from '../../labs/provider.js';

/** The real docker CLI where it is installed (tests that need it skip, saying why, without it). */
export const realDocker = ['/usr/local/bin/docker', '/usr/bin/docker'].find((path) => existsSync(path));

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a docker CLI (the real one by default) against a lab node; never throws for a non-zero exit. */
export function docker(
  node: LabNode,
  args: string[],
  options: { cli?: string[]; input?: string; timeoutMs?: number } = {},
) {
  const [command, ...prefix] = options.cli ?? [realDocker ?? 'docker'];
  return new Promise<CommandResult>((resolve) => {
    const child = execFile(
      command,
      [...prefix, ...args],
      {
        env: {
          ...process.env,
          DOCKER_HOST: node.dockerHost,
          DOCKER_CONFIG: '/tmp/swarmlab-test-docker-config',
        },
        timeout: options.timeoutMs ?? 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
  );
}
