// The `docker network` subcommands (docker's cli/command/network).
import type { Network } from '../../api/engine-types.js';
import { DaemonError, encodeFilters } from '../client/engine-client.js';
import { CancelledError, type Invocation, StatusError } from '../cobra/command.js';
import type { Filters } from '../cobra/flags.js';
import { HeaderContext, SubContext, writeFormatted } from '../formatter/format-context.js';
import { inspectObjects } from '../formatter/inspect.js';
import { goTypeName } from '../text/go-template.js';
import { goTimeString, naturalCompare, truncateId } from '../text/units.js';
import { confirm } from './prompt.js';
import { kvToMap } from './service-values.js';

/** One row of `docker network ls`. */
export class NetworkContext extends SubContext {
  readonly [goTypeName] = '*formatter.networkContext';
  constructor(
    private readonly network: Network,
    private readonly trunc: boolean,
  ) {
    super();
  }
  ID(): string {
    return this.trunc ? truncateId(this.network.Id ?? '') : (this.network.Id ?? '');
  }
  Name(): string {
    return this.network.Name ?? '';
  }
  Driver(): string {
    return this.network.Driver ?? '';
  }
  Scope(): string {
    return this.network.Scope ?? '';
  }
  IPv4(): string {
    return String((this.network as { EnableIPv4?: boolean }).EnableIPv4 ?? false);
  }
  IPv6(): string {
    return String(this.network.EnableIPv6 ?? false);
  }
  Internal(): string {
    return String(this.network.Internal ?? false);
  }
  Labels(): string {
    return Object.entries(this.network.Labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }
  Label(name: string): string {
    return this.network.Labels?.[name] ?? '';
  }
  CreatedAt(): string {
    return goTimeString(this.network.Created ?? '');
  }
}

interface IpamConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

function ipamConfigs(
  subnets: string[],
  ranges: string[],
  gateways: string[],
  aux: Record<string, string>,
): IpamConfig[] {
  if (gateways.length > subnets.length || ranges.length > subnets.length) {
    if (subnets.length === 0 && gateways.length)
      throw new Error('every ip-range or gateway must have a corresponding subnet');
    throw new Error('every ip-range or gateway must have a corresponding subnet');
  }
  return subnets.map((subnet, i) => {
    const config: IpamConfig = { Subnet: subnet };
    if (ranges[i]) config.IPRange = ranges[i];
    if (gateways[i]) config.Gateway = gateways[i];
    if (i === 0 && Object.keys(aux).length) config.AuxiliaryAddresses = aux;
    return config;
  });
}

/** `docker network create`. */
export async function runCreate({ args, flags, env }: Invocation): Promise<void> {
  const request: Record<string, unknown> = {
    Driver: flags.get<string>('driver'),
    Scope: flags.get<string>('scope'),
  };
  if (flags.changed('ipv4')) request.EnableIPv4 = flags.get<boolean>('ipv4');
  if (flags.changed('ipv6')) request.EnableIPv6 = flags.get<boolean>('ipv6');
  request.IPAM = {
    Driver: flags.get<string>('ipam-driver'),
    Config: ipamConfigs(
      flags.get<string[]>('subnet'),
      flags.get<string[]>('ip-range'),
      flags.get<string[]>('gateway'),
      flags.get<Record<string, string>>('aux-address'),
    ),
    Options: flags.get<Record<string, string>>('ipam-opt'),
  };
  request.Internal = flags.get<boolean>('internal');
  request.Attachable = flags.get<boolean>('attachable');
  request.Ingress = flags.get<boolean>('ingress');
  request.ConfigOnly = flags.get<boolean>('config-only');
  if (flags.get<string>('config-from')) request.ConfigFrom = { Network: flags.get<string>('config-from') };
  request.Options = flags.get<Record<string, string>>('opt');
  request.Labels = kvToMap(flags.get<string[]>('label'));
  request.Name = args[0];
  const response = await env.client().json<{ Id?: string }>('POST', '/networks/create', { body: request });
  env.out.write(`${response.Id ?? ''}\n`);
}

/** `docker network ls`. */
export async function runList({ flags, env }: Invocation): Promise<void> {
  const quiet = flags.get<boolean>('quiet');
  const networks =
    (await env
      .client()
      .get<Network[]>('/networks', { filters: encodeFilters(flags.get<Filters>('filter')) })) ?? [];
  let format = flags.get<string>('format') || env.defaultFormat('networksFormat', quiet);
  if (format === 'table') format = quiet ? '{{.ID}}' : 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';
  else if (format === 'raw')
    format = quiet
      ? 'network_id: {{.ID}}'
      : 'network_id: {{.ID}}\\nname: {{.Name}}\\ndriver: {{.Driver}}\\nscope: {{.Scope}}\\n';
  const sorted = [...networks].sort((a, b) => naturalCompare(a.Name ?? '', b.Name ?? ''));
  const header = new HeaderContext({
    ID: 'NETWORK ID',
    Name: 'NAME',
    Driver: 'DRIVER',
    Scope: 'SCOPE',
    IPv4: 'IPV4',
    IPv6: 'IPV6',
    Internal: 'INTERNAL',
    Labels: 'LABELS',
    CreatedAt: 'CREATED AT',
  });
  const trunc = !flags.get<boolean>('no-trunc');
  writeFormatted(
    env.out,
    format,
    header,
    sorted.map((n) => new NetworkContext(n, trunc)),
  );
}

/** `docker network inspect`. */
export async function runInspect({ args, flags, env }: Invocation): Promise<void> {
  const client = env.client();
  const verbose = flags.get<boolean>('verbose');
  try {
    await inspectObjects(env.out, args, flags.get<string>('format'), async (ref) => {
      const { value, raw } = await client.getWithRaw<Network>(`/networks/${ref}`, {
        verbose: verbose ? 'true' : undefined,
      });
      return { value, raw };
    });
  } catch (err) {
    if (err instanceof StatusError) throw new StatusError(err.status, 1);
    throw err;
  }
}

const ingressWarning =
  'WARNING! Before removing the routing-mesh network, make sure all the nodes in your swarm run the same docker engine version. Otherwise, removal may not be effective and functionality of newly create ingress networks will be impaired.\nAre you sure you want to continue?';

/** `docker network rm`. */
export async function runRemove({ args, flags, env }: Invocation): Promise<void> {
  const client = env.client();
  let status = 0;
  for (const name of args) {
    try {
      const network = await client.get<Network>(`/networks/${name}`);
      if (network.Ingress && !(await confirm(env, ingressWarning))) continue;
    } catch {
      // Removal reports the error.
    }
    try {
      await client.request('DELETE', `/networks/${name}`);
      env.out.write(`${name}\n`);
    } catch (err) {
      if (flags.get<boolean>('force') && err instanceof DaemonError && err.notFound) continue;
      env.err.write(`${(err as Error).message}\n`);
      status = 1;
    }
  }
  if (status !== 0) throw new StatusError(`exit status ${status}`, status);
}

/** `docker network prune`. */
export async function runPrune({ flags, env }: Invocation): Promise<void> {
  if (
    !flags.get<boolean>('force') &&
    !(await confirm(
      env,
      'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?',
    ))
  ) {
    throw new CancelledError('network prune has been cancelled');
  }
  const report = await env.client().json<{ NetworksDeleted?: string[] | null }>('POST', '/networks/prune', {
    query: { filters: encodeFilters(flags.get<Filters>('filter')) },
  });
  const deleted = report?.NetworksDeleted ?? [];
  if (deleted.length) env.out.write(`Deleted Networks:\n${deleted.map((n) => `${n}\n`).join('')}\n`);
}
