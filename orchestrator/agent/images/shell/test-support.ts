/** Test support: runs built-in programs in-process against a real container root on disk (process mode). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { resolveImage } from '../catalog.js';
import type { RuntimeConfig } from '../runtime/config.js';
import { type ContainerContext, createContainerContext } from '../runtime/context.js';
import { findProgram } from './commands.js';
import { Proc } from './process.js';

export interface TestContainer {
  context: ContainerContext;
  rootfs: string;
  /** Runs argv in the container; resolves with its status and output. */
  run(
    argv: string[],
    options?: {
      stdin?: string;
      env?: Record<string, string>;
      cwd?: string;
      signalAfterMs?: [string, number];
    },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  cleanup(): void;
}

export function testContainer(
  options: { image?: string; files?: Record<string, string>; dns?: string; gateway?: string } = {},
): TestContainer {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-sh-'));
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'tmp'), { recursive: true });
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  for (const [path, data] of Object.entries(options.files ?? {})) {
    mkdirSync(join(rootfs, path, '..'), { recursive: true });
    writeFileSync(join(rootfs, path), data);
  }
  const image = resolveImage(options.image ?? 'alpine')!;
  const { files: _files, ...runtimeImage } = image;
  const config: RuntimeConfig = {
    id: 'c0ffee'.padEnd(64, '0'),
    name: 'test.1.x',
    hostname: 'c0ffee000000',
    image: runtimeImage,
    argv: ['sh'],
    env: [
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOME=/root',
      'GREETING=hello world',
    ],
    workingDir: '/',
    nodeAddr: '127.0.0.1',
    dns: options.dns,
    gateway: options.gateway,
    addresses: ['10.0.9.2'],
    sandbox: 'process',
    rootfs,
    mounts: [],
    controlSocket: join(dir, 'control.sock'),
  };
  const context = createContainerContext(
    config,
    runtimeImage,
    () => {},
    () => {},
  );
  return {
    context,
    rootfs,
    async run(argv, runOptions = {}) {
      let stdout = '';
      let stderr = '';
      const out = new Writable({
        write(chunk: Buffer, _e, done) {
          stdout += chunk.toString();
          done();
        },
      });
      const err = new Writable({
        write(chunk: Buffer, _e, done) {
          stderr += chunk.toString();
          done();
        },
      });
      const env = new Map(context.env);
      for (const [key, value] of Object.entries(runOptions.env ?? {})) env.set(key, value);
      const stdin =
        runOptions.stdin === undefined ? Readable.from([]) : new PassThrough().end(runOptions.stdin);
      const proc = new Proc({
        argv,
        env,
        cwd: runOptions.cwd ?? '/',
        stdin,
        stdout: out,
        stderr: err,
        container: context,
      });
      const program = await findProgram(argv[0], proc);
      if (!program) return { code: 127, stdout, stderr: `${argv[0]}: not found` };
      if (runOptions.signalAfterMs) {
        const [signal, ms] = runOptions.signalAfterMs;
        setTimeout(() => proc.kill(signal), ms);
      }
      const code = await program(proc);
      return { code, stdout, stderr };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
