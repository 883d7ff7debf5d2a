// The `docker swarm` subcommands over /swarm, /nodes and /info.
import type { Node, Swarm, SystemInfo } from '../../api/engine-types.js';
import type { CliEnv } from '../cli-env.js';
import { type Invocation, usageText } from '../cobra/command.js';
import { helpOptions } from './help-options.js';
import { readLine } from './prompt.js';
import { initSpec, mergeSwarmSpec } from './swarm-options.js';

function validAvailability(text: string): string {
  const availability = text.toLowerCase();
  if (!['active', 'pause', 'drain'].includes(availability)) {
    throw new Error(`invalid availability "${text}", only active, pause and drain are supported`);
  }
  return availability;
}

async function printJoinCommand(
  env: CliEnv,
  nodeId: string,
  worker: boolean,
  manager: boolean,
): Promise<void> {
  const client = env.client();
  const node = await client.get<Node>(`/nodes/${nodeId}`);
  const swarm = await client.get<Swarm>('/swarm');
  if (!node.ManagerStatus) return;
  const addr = node.ManagerStatus.Addr ?? '';
  if (worker) {
    env.out.write(
      `To add a worker to this swarm, run the following command:\n\n    docker swarm join --token ${swarm.JoinTokens?.Worker ?? ''} ${addr}\n\n`,
    );
  }
  if (manager) {
    env.out.write(
      `To add a manager to this swarm, run the following command:\n\n    docker swarm join --token ${swarm.JoinTokens?.Manager ?? ''} ${addr}\n\n`,
    );
  }
}

function printUnlockCommand(env: CliEnv, key: string): void {
  if (!key) return;
  env.out.write(
    'To unlock a swarm manager after it restarts, run the `docker swarm unlock`\ncommand and provide the following key:\n\n' +
      `    ${key}\n\nRemember to store this key in a password manager, since without it you\nwill not be able to restart the manager.\n`,
  );
}

async function unlockKey(env: CliEnv): Promise<string> {
  try {
    const response = await env.client().get<{ UnlockKey?: string }>('/swarm/unlockkey');
    return response.UnlockKey ?? '';
  } catch (err) {
    throw new Error(`could not fetch unlock key: ${(err as Error).message}`);
  }
}

/** `docker swarm init`. */
export async function runInit({ flags, env }: Invocation): Promise<void> {
  const autolock = flags.get<boolean>('autolock');
  const request = {
    ListenAddr: flags.get<string>('listen-addr'),
    AdvertiseAddr: flags.get<string>('advertise-addr'),
    DataPathAddr: flags.get<string>('data-path-addr'),
    DataPathPort: flags.get<number>('data-path-port'),
    ForceNewCluster: flags.get<boolean>('force-new-cluster'),
    Spec: initSpec(flags),
    AutoLockManagers: autolock,
    Availability: flags.changed('availability') ? validAvailability(flags.get<string>('availability')) : '',
    DefaultAddrPool: flags.get<string[]>('default-addr-pool'),
    SubnetSize: flags.get<number>('default-addr-pool-mask-length'),
  };
  let nodeId: string;
  try {
    nodeId = await env.client().json<string>('POST', '/swarm/init', { body: request });
  } catch (err) {
    const message = (err as Error).message;
    if (
      message.includes('could not choose an IP address to advertise') ||
      message.includes("could not find the system's IP address")
    ) {
      throw new Error(`${message} - specify one with --advertise-addr`);
    }
    throw err;
  }
  env.out.write(`Swarm initialized: current node (${nodeId}) is now a manager.\n\n`);
  await printJoinCommand(env, nodeId, true, false);
  env.out.write(
    "To add a manager to this swarm, run 'docker swarm join-token manager' and follow the instructions.\n",
  );
  if (autolock) printUnlockCommand(env, await unlockKey(env));
}

/** `docker swarm join`. */
export async function runJoin({ args, flags, env }: Invocation): Promise<void> {
  const availability = flags.changed('availability')
    ? validAvailability(flags.get<string>('availability'))
    : '';
  await env.client().request('POST', '/swarm/join', {
    body: {
      ListenAddr: flags.get<string>('listen-addr'),
      AdvertiseAddr: flags.get<string>('advertise-addr'),
      DataPathAddr: flags.get<string>('data-path-addr'),
      RemoteAddrs: [args[0]],
      JoinToken: flags.get<string>('token'),
      Availability: availability,
    },
  });
  const info = await env.client().get<SystemInfo>('/info');
  env.out.write(
    info.Swarm?.ControlAvailable
      ? 'This node joined a swarm as a manager.\n'
      : 'This node joined a swarm as a worker.\n',
  );
}

async function updateSwarm(
  env: CliEnv,
  swarm: Swarm,
  spec: unknown,
  rotate: Partial<Record<string, boolean>>,
): Promise<void> {
  await env.client().request('POST', '/swarm/update', {
    query: {
      rotateManagerToken: String(rotate.manager ?? false),
      rotateManagerUnlockKey: String(rotate.unlockKey ?? false),
      rotateWorkerToken: String(rotate.worker ?? false),
      version: swarm.Version?.Index ?? 0,
    },
    body: spec,
  });
}

/** `docker swarm join-token`. */
export async function runJoinToken({ args, flags, env }: Invocation): Promise<void> {
  const role = args[0]!;
  const worker = role === 'worker';
  const manager = role === 'manager';
  if (!worker && !manager) throw new Error(`unknown role ${role}`);
  const client = env.client();
  const quiet = flags.get<boolean>('quiet');
  if (flags.get<boolean>('rotate')) {
    const current = await client.get<Swarm>('/swarm');
    await updateSwarm(env, current, current.Spec, { worker, manager });
    if (!quiet) env.out.write(`Successfully rotated ${role} join token.\n\n`);
  }
  const swarm = await client.get<Swarm>('/swarm');
  if (quiet) {
    env.out.write(`${(worker ? swarm.JoinTokens?.Worker : swarm.JoinTokens?.Manager) ?? ''}\n`);
    return;
  }
  const info = await client.get<SystemInfo>('/info');
  await printJoinCommand(env, info.Swarm?.NodeID ?? '', worker, manager);
}

/** `docker swarm leave`. */
export async function runLeave({ flags, env }: Invocation): Promise<void> {
  await env
    .client()
    .request('POST', '/swarm/leave', { query: { force: flags.get<boolean>('force') ? '1' : undefined } });
  env.out.write('Node left the swarm.\n');
}

/** `docker swarm update`. */
export async function runUpdate(invocation: Invocation): Promise<void> {
  const { flags, env, command } = invocation;
  if (!flags.defs.some((d) => flags.changed(d.name))) {
    env.out.write(usageText(command, await helpOptions(env, true)));
    return;
  }
  const client = env.client();
  const swarm = await client.get<Swarm>('/swarm');
  const before = swarm.Spec?.EncryptionConfig?.AutoLockManagers ?? false;
  const spec = mergeSwarmSpec(swarm.Spec ?? {}, flags, swarm.TLSInfo?.TrustRoot ?? '');
  const after = spec.EncryptionConfig?.AutoLockManagers ?? false;
  await updateSwarm(env, swarm, spec, {});
  env.out.write('Swarm updated.\n');
  if (after && !before) printUnlockCommand(env, await unlockKey(env));
}

/** `docker swarm unlock-key`. */
export async function runUnlockKey({ flags, env }: Invocation): Promise<void> {
  const quiet = flags.get<boolean>('quiet');
  if (flags.get<boolean>('rotate')) {
    const swarm = await env.client().get<Swarm>('/swarm');
    if (!swarm.Spec?.EncryptionConfig?.AutoLockManagers)
      throw new Error('cannot rotate because autolock is not turned on');
    await updateSwarm(env, swarm, swarm.Spec, { unlockKey: true });
    if (!quiet) env.out.write('Successfully rotated manager unlock key.\n');
  }
  const key = await unlockKey(env);
  if (!key) throw new Error('no unlock key is set');
  if (quiet) env.out.write(`${key}\n`);
  else printUnlockCommand(env, key);
}

/** `docker swarm unlock`. */
export async function runUnlock({ env }: Invocation): Promise<void> {
  const info = await env.client().get<SystemInfo>('/info');
  const state = info.Swarm?.LocalNodeState;
  if (state === 'inactive') throw new Error('Error: This node is not part of a swarm');
  if (state !== 'locked') throw new Error('Error: swarm is not locked');
  let key: string;
  const stdin = env.streams.stdin;
  if (stdin.isTTY && stdin.setRawMode) {
    env.out.write('Enter unlock key: ');
    stdin.setRawMode(true);
    key = '';
    try {
      for (;;) {
        const chunk = await new Promise<string>((resolve) => {
          stdin.once('data', (data: Buffer) => resolve(data.toString()));
          stdin.resume();
        });
        const end = chunk.search(/[\r\n\u0003\u0004]/);
        key += end < 0 ? chunk : chunk.slice(0, end);
        if (end >= 0) break;
      }
    } finally {
      stdin.setRawMode(false);
      stdin.pause();
    }
    env.out.write('\n');
  } else {
    key = ((await readLine(stdin)) ?? '').trim();
  }
  await env.client().request('POST', '/swarm/unlock', { body: { UnlockKey: key } });
}
