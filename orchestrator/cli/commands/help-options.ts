// How help is rendered for the current terminal and daemon: docker wraps flag descriptions to the width
// of the terminal on stdin, bolds the closing line on terminals, and hides what the daemon cannot run: it
// pings the daemon and hides swarm commands by the "Swarm" header, experimental commands unless the daemon
// says it is experimental, and flags that need a newer API version than the negotiated one.
import { type CliEnv, EndpointError } from '../cli-env.js';
import { clientMaxApiVersion, type Ping, versionLessThan } from '../client/engine-client.js';
import type { Command, HelpOptions } from '../cobra/command.js';
import type { FlagDef } from '../cobra/flags.js';

/** What docker knows of the daemon when it renders help (its ServerInfo). */
export interface ServerInfo {
  ping?: Ping;
  hasExperimental: boolean;
  apiVersion: string;
}

async function serverInfo(env: CliEnv, ms: number): Promise<ServerInfo> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const client = env.client();
    const ping = await Promise.race([
      client.ping(),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms);
      }),
    ]);
    if (!ping) return { hasExperimental: true, apiVersion: clientMaxApiVersion };
    return { ping, hasExperimental: ping.experimental, apiVersion: await client.version() };
  } catch (err) {
    // docker assumes an experimental daemon when it cannot reach one, and none when it has no endpoint.
    if (err instanceof EndpointError) return { hasExperimental: false, apiVersion: clientMaxApiVersion };
    return { hasExperimental: true, apiVersion: clientMaxApiVersion };
  } finally {
    clearTimeout(timer);
  }
}

/** Whether docker would hide `command` given what it knows of the daemon (hideUnsupportedFeatures). */
export function hiddenCommand(command: Command, server: ServerInfo): boolean {
  const annotations = command.def.annotations ?? {};
  if ('experimental' in annotations && !server.hasExperimental) return true;
  const requirement = annotations.swarm;
  const swarm = server.ping?.swarm;
  if (requirement !== undefined && swarm) {
    if (requirement === 'manager' && !swarm.controlAvailable) return true;
    if (requirement === 'active' && swarm.nodeState === 'inactive') return true;
  }
  return false;
}

/** Whether docker would hide `flag` (it needs a newer API version than the one in use). */
export function hiddenFlag(flag: FlagDef, server: ServerInfo): boolean {
  const version = flag.annotations?.version;
  return version !== undefined && versionLessThan(server.apiVersion, version);
}

/** Help options for output to stdout (`toStdout`) or stderr. */
export async function helpOptions(env: CliEnv, toStdout: boolean): Promise<HelpOptions> {
  const server = await serverInfo(env, 2000);
  return {
    columns: env.streams.stdinColumns || 80,
    bold: (toStdout ? env.out : env.err).isTerminal,
    hide: (command) => hiddenCommand(command, server),
    hideFlag: (flag) => hiddenFlag(flag, server),
  };
}
