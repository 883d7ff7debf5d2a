// Parsers of docker's service flag values (opts.PortOpt, MountOpt, SecretOpt, NetworkOpt, ...), with
// docker's error texts.
import { readCSVLine } from '../cobra/flags.js';
import { goQuote, ramInBytes } from '../text/units.js';

/** A published port (swarm.PortConfig). */
export interface PortConfig {
  Name?: string;
  Protocol: string;
  TargetPort: number;
  PublishedPort: number;
  PublishMode: string;
}

function parsePortNumber(text: string, bits = 16): number {
  if (!/^\d+$/.test(text)) throw new Error(`strconv.ParseUint: parsing ${goQuote(text)}: invalid syntax`);
  const value = Number(text);
  if (value >= 2 ** bits) throw new Error(`strconv.ParseUint: parsing ${goQuote(text)}: value out of range`);
  return value;
}

function parseRange(text: string, what: string): [number, number] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) throw new Error(`invalid ${what}: ${text}`);
  const start = Number(match[1]);
  const end = match[2] === undefined ? start : Number(match[2]);
  if (start > 65535 || end > 65535) throw new Error(`invalid ${what}: ${text}`);
  if (end < start) throw new Error(`invalid range specified for ${what}: ${text}`);
  return [start, end];
}

/** docker's PortOpt.Set: "8080:80[/udp]" or "published=8080,target=80,protocol=udp,mode=host". */
export function parsePort(value: string): PortConfig[] {
  if (/\w+=\w+(,\w+=\w+)*/.test(value)) {
    const port: PortConfig = { Protocol: '', TargetPort: 0, PublishedPort: 0, PublishMode: '' };
    for (const field of readCSVLine(value)) {
      const lower = field.toLowerCase();
      const eq = lower.indexOf('=');
      if (eq <= 0) throw new Error(`invalid field: ${field}`);
      const key = lower.slice(0, eq);
      const val = lower.slice(eq + 1);
      switch (key) {
        case 'protocol':
          if (!['tcp', 'udp', 'sctp'].includes(val)) throw new Error(`invalid protocol value '${val}'`);
          port.Protocol = val;
          break;
        case 'mode':
          if (val !== 'ingress' && val !== 'host') {
            throw new Error(`invalid publish mode value (${val}): must be either 'ingress' or 'host'`);
          }
          port.PublishMode = val;
          break;
        case 'target':
          port.TargetPort = parsePortNumber(val);
          break;
        case 'published':
          port.PublishedPort = parsePortNumber(val);
          break;
        default:
          throw new Error(`invalid field key: ${key}`);
      }
    }
    if (port.TargetPort === 0) throw new Error("missing mandatory field 'target'");
    port.PublishMode ||= 'ingress';
    port.Protocol ||= 'tcp';
    return [
      {
        Protocol: port.Protocol,
        TargetPort: port.TargetPort,
        PublishedPort: port.PublishedPort,
        PublishMode: port.PublishMode,
      },
    ];
  }
  // Short syntax: [[hostIP:]hostPort:]containerPort[/proto]
  let rest = value;
  let proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    proto = rest.slice(slash + 1).toLowerCase();
    rest = rest.slice(0, slash);
    if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new Error(`invalid proto: ${proto}`);
  }
  const parts = rest.split(':');
  let hostIp = '';
  let hostPort = '';
  let containerPort: string;
  if (parts.length === 1) containerPort = parts[0]!;
  else if (parts.length === 2) [hostPort, containerPort] = parts as [string, string];
  else {
    containerPort = parts.pop()!;
    hostPort = parts.pop()!;
    hostIp = parts.join(':');
  }
  if (containerPort === '') throw new Error(`no port specified: ${value}<empty>`);
  const [cStart, cEnd] = parseRange(containerPort, 'containerPort');
  let hStart = 0;
  let hEnd = 0;
  if (hostPort !== '') [hStart, hEnd] = parseRange(hostPort, 'hostPort');
  if (hostPort !== '' && hEnd - hStart !== cEnd - cStart) {
    throw new Error(
      `invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`,
    );
  }
  if (hostIp !== '') throw new Error('hostip is not supported');
  const ports: PortConfig[] = [];
  for (let i = 0; i <= cEnd - cStart; i++) {
    ports.push({
      Protocol: proto,
      TargetPort: cStart + i,
      PublishedPort: hostPort === '' ? 0 : hStart + i,
      PublishMode: 'ingress',
    });
  }
  return ports;
}

function parseGoBoolLoose(key: string, value: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new Error(`invalid value for ${key}: ${value}`);
}

/** A mount (mount.Mount). */
export type MountSpec = Record<string, unknown> & { Target?: string; Type?: string };

/** docker's MountOpt.Set: "type=bind,src=/a,dst=/b,readonly". */
export function parseMount(value: string): MountSpec {
  const mount: MountSpec = { Type: 'volume' };
  let bind: Record<string, unknown> | undefined;
  let volume: Record<string, unknown> | undefined;
  let tmpfs: Record<string, unknown> | undefined;
  const volumeOptions = () => (volume ??= {});
  for (const field of readCSVLine(value)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? undefined : field.slice(eq + 1);
    if (val === undefined) {
      if (key === 'readonly' || key === 'ro') {
        mount.ReadOnly = true;
        continue;
      }
      if (key === 'volume-nocopy') {
        volumeOptions().NoCopy = true;
        continue;
      }
      if (key === 'bind-nonrecursive') {
        (bind ??= {}).NonRecursive = true;
        continue;
      }
      throw new Error(`invalid field '${field}' must be a key=value pair`);
    }
    switch (key) {
      case 'type':
        mount.Type = val.toLowerCase();
        break;
      case 'source':
      case 'src':
        mount.Source = val;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        mount.Target = val;
        break;
      case 'readonly':
      case 'ro':
        mount.ReadOnly = parseGoBoolLoose(key, val);
        break;
      case 'consistency':
        mount.Consistency = val.toLowerCase();
        break;
      case 'bind-propagation':
        (bind ??= {}).Propagation = val.toLowerCase();
        break;
      case 'bind-nonrecursive':
        (bind ??= {}).NonRecursive = parseGoBoolLoose(key, val);
        break;
      case 'bind-create-host-path':
        (bind ??= {}).CreateMountpoint = parseGoBoolLoose(key, val);
        break;
      case 'volume-nocopy':
        volumeOptions().NoCopy = parseGoBoolLoose(key, val);
        break;
      case 'volume-subpath':
        volumeOptions().Subpath = val;
        break;
      case 'volume-label': {
        const [k, v = ''] = val.split(/=(.*)/s);
        volumeOptions().Labels = { ...((volume?.Labels as object) ?? {}), [k!]: v };
        break;
      }
      case 'volume-driver':
        volumeOptions().DriverConfig = { ...((volume?.DriverConfig as object) ?? {}), Name: val };
        break;
      case 'volume-opt': {
        const [k, v = ''] = val.split(/=(.*)/s);
        const driver = (volume?.DriverConfig as { Name?: string; Options?: Record<string, string> }) ?? {};
        volumeOptions().DriverConfig = { ...driver, Options: { ...(driver.Options ?? {}), [k!]: v } };
        break;
      }
      case 'tmpfs-size':
        (tmpfs ??= {}).SizeBytes = ramInBytes(val);
        break;
      case 'tmpfs-mode': {
        const mode = Number.parseInt(val, 8);
        if (Number.isNaN(mode)) throw new Error(`invalid value for ${key}: ${val}`);
        (tmpfs ??= {}).Mode = mode;
        break;
      }
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!mount.Type) throw new Error('type is required');
  if (!mount.Target) throw new Error('target is required');
  if (volume && mount.Type !== 'volume')
    throw new Error(`cannot mix 'volume-*' options with mount type '${mount.Type}'`);
  if (bind && mount.Type !== 'bind')
    throw new Error(`cannot mix 'bind-*' options with mount type '${mount.Type}'`);
  if (tmpfs && mount.Type !== 'tmpfs')
    throw new Error(`cannot mix 'tmpfs-*' options with mount type '${mount.Type}'`);
  if (bind) mount.BindOptions = bind;
  if (volume) mount.VolumeOptions = volume;
  if (tmpfs) mount.TmpfsOptions = tmpfs;
  return mount;
}

/** A secret or config reference before its ID is looked up. */
export interface FileReference {
  File: { Name: string; UID: string; GID: string; Mode: number };
  Name: string;
}

/** docker's SecretOpt.Set / ConfigOpt.Set: "name" or "source=name,target=/path,uid=0,gid=0,mode=0400". */
export function parseFileReference(value: string, kind: 'secret' | 'config'): FileReference {
  const fields = readCSVLine(value);
  const ref: FileReference = { File: { Name: '', UID: '0', GID: '0', Mode: 0o444 }, Name: '' };
  if (fields.length === 1 && !fields[0]!.includes('=')) {
    ref.File.Name = fields[0]!;
    ref.Name = fields[0]!;
    return ref;
  }
  for (const field of fields) {
    const eq = field.indexOf('=');
    if (eq <= 0) throw new Error(`invalid field '${field}' must be a key=value pair`);
    const key = field.slice(0, eq).toLowerCase();
    const val = field.slice(eq + 1);
    switch (key) {
      case 'source':
      case 'src':
        ref.Name = val;
        break;
      case 'target':
        ref.File.Name = val;
        break;
      case 'uid':
        ref.File.UID = val;
        break;
      case 'gid':
        ref.File.GID = val;
        break;
      case 'mode': {
        let mode: number;
        try {
          mode = parseGoUintBase0(val, 32);
        } catch (err) {
          throw new Error(`invalid mode specified: ${(err as Error).message}`);
        }
        ref.File.Mode = mode;
        break;
      }
      default:
        throw new Error(`invalid field in ${kind} request: ${key}`);
    }
  }
  if (ref.Name === '') throw new Error('source is required');
  if (ref.File.Name === '') ref.File.Name = ref.Name;
  return ref;
}

function parseGoUintBase0(text: string, bits: number): number {
  let body = text;
  let base = 10;
  if (/^0[xX]/.test(body)) [base, body] = [16, body.slice(2)];
  else if (/^0[oO]/.test(body)) [base, body] = [8, body.slice(2)];
  else if (/^0[bB]/.test(body)) [base, body] = [2, body.slice(2)];
  else if (/^0\d/.test(body)) [base, body] = [8, body.slice(1)];
  const digits = { 16: /^[0-9a-fA-F]+$/, 8: /^[0-7]+$/, 2: /^[01]+$/, 10: /^\d+$/ }[base]!;
  if (!digits.test(body)) throw new Error(`strconv.ParseUint: parsing ${goQuote(text)}: invalid syntax`);
  const value = Number.parseInt(body, base);
  if (value >= 2 ** bits) throw new Error(`strconv.ParseUint: parsing ${goQuote(text)}: value out of range`);
  return value;
}

/** A network attachment (swarm.NetworkAttachmentConfig). */
export interface NetworkAttachment {
  Target: string;
  Aliases?: string[];
  DriverOpts?: Record<string, string>;
}

/** docker's NetworkOpt.Set: "name" or "name=net,alias=web,driver-opt=k=v". */
export function parseNetwork(value: string): NetworkAttachment {
  if (!value.includes('=')) return { Target: value };
  const net: NetworkAttachment = { Target: '' };
  for (const field of readCSVLine(value)) {
    const eq = field.indexOf('=');
    if (eq < 0) throw new Error(`invalid field ${field}`);
    const key = field.slice(0, eq).toLowerCase();
    const val = field.slice(eq + 1);
    if (key === 'name') net.Target = val;
    else if (key === 'alias') (net.Aliases ??= []).push(val);
    else if (key === 'driver-opt') {
      const inner = val.indexOf('=');
      if (inner < 0) throw new Error(`invalid key value pair format in driver options`);
      net.DriverOpts = {
        ...(net.DriverOpts ?? {}),
        [val.slice(0, inner).trim().toLowerCase()]: val.slice(inner + 1).trim(),
      };
    } else throw new Error(`invalid field key ${key}`);
  }
  if (net.Target === '') throw new Error('network name/id is not specified');
  return net;
}

/** docker's placementPrefOpts: "spread=node.labels.zone". */
export function parsePlacementPref(value: string): { Spread: { SpreadDescriptor: string } } {
  const fields = value.split('=');
  if (fields.length !== 2) throw new Error('placement preference must be of the format "<strategy>=<arg>"');
  if (fields[0] !== 'spread')
    throw new Error(`unsupported placement preference ${fields[0]} (only spread is supported)`);
  return { Spread: { SpreadDescriptor: fields[1]! } };
}

/** docker's UlimitOpt: "nofile=1024[:2048]". */
export function parseUlimit(value: string): { Name: string; Soft: number; Hard: number } {
  const eq = value.indexOf('=');
  if (eq < 0) throw new Error(`invalid ulimit argument: ${value}`);
  const name = value.slice(0, eq);
  const limits = value.slice(eq + 1).split(':');
  if (limits.length > 2)
    throw new Error(
      `too many limit value arguments - ${value.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``,
    );
  const parse = (text: string) => {
    if (!/^[+-]?\d+$/.test(text))
      throw new Error(`strconv.ParseInt: parsing ${goQuote(text)}: invalid syntax`);
    return Number(text);
  };
  const soft = parse(limits[0]!);
  const hard = limits.length === 2 ? parse(limits[1]!) : soft;
  if (soft > hard)
    throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: name, Soft: soft, Hard: hard };
}

/** docker's credentialSpecOpt. */
export function parseCredentialSpec(value: string): Record<string, string> {
  for (const [prefix, key] of [
    ['config://', 'Config'],
    ['file://', 'File'],
    ['registry://', 'Registry'],
  ] as const) {
    if (value.startsWith(prefix)) return { [key]: value.slice(prefix.length) };
  }
  throw new Error(
    'invalid credential spec: value must be prefixed with "config://", "file://", or "registry://"',
  );
}

/** go-shlex Split (docker's ShlexOpt for --entrypoint and --args). */
export function shlexSplit(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (ch === '\\') {
      if (i + 1 >= text.length) throw new Error('EOF found after escape character');
      word += text[i + 1];
      inWord = true;
      i += 2;
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error('EOF found when expecting closing quote');
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const c = text[i]!;
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === '\\' && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1]!)) {
          word += text[i + 1];
          i += 2;
          continue;
        }
        word += c;
        i++;
      }
      if (!closed) throw new Error('EOF found when expecting closing quote');
      inWord = true;
    } else if (ch === '#' && !inWord) {
      break;
    } else {
      word += ch;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** docker's ParseCPUs: a decimal number of CPUs as nano CPUs ("0.5" -> 500000000). */
export function parseNanoCPUs(value: string): number {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(value);
  const fraction = /^[+-]?\d+\/\d+$/.test(value);
  if (fraction) {
    const [num, den] = value.split('/').map(Number) as [number, number];
    const nano = (num * 1e9) / den;
    if (!Number.isInteger(nano)) throw new Error('value is too precise');
    return nano;
  }
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    throw new Error(`failed to parse ${value} as a rational number`);
  }
  const digits = `${match[2]}${match[3] ?? ''}`;
  let exponent = Number(match[4] ?? 0) - (match[3] ?? '').length + 9;
  let nano = BigInt(digits || '0');
  if (exponent >= 0) nano *= 10n ** BigInt(exponent);
  else {
    const divisor = 10n ** BigInt(-exponent);
    if (nano % divisor !== 0n) throw new Error('value is too precise');
    nano /= divisor;
    exponent = 0;
  }
  return Number(match[1] === '-' ? -nano : nano);
}

/** docker's ValidateEnv: "KEY=value", or "KEY" taking the value from this environment. */
export function validateEnv(value: string, env: NodeJS.ProcessEnv = process.env): string {
  const eq = value.indexOf('=');
  const key = eq < 0 ? value : value.slice(0, eq);
  if (key === '') throw new Error(`invalid environment variable: ${value}`);
  if (eq >= 0) return value;
  const found = env[key];
  return found !== undefined ? `${key}=${found}` : value;
}

/** docker's ValidateLabel. */
export function validateLabel(value: string): string {
  const eq = value.indexOf('=');
  const key = (eq < 0 ? value : value.slice(0, eq)).trim();
  if (key === '') throw new Error(`invalid label '${value}': empty name`);
  return value;
}

/** docker's ValidateIPAddress. */
export function validateIPAddress(value: string): string {
  const ip = value.trim();
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4?.slice(1).every((o) => Number(o) <= 255)) return ip;
  if (/^[0-9a-fA-F:]+$/.test(ip) && ip.includes(':')) return ip;
  throw new Error(`IP address is not correctly formatted: ${value}`);
}

/** docker's ValidateExtraHost: "host:ip". */
export function validateExtraHost(value: string): string {
  const sep = value.indexOf(':') >= 0 ? value.indexOf(':') : value.indexOf('=');
  if (sep <= 0) throw new Error(`bad format for add-host: ${goQuote(value)}`);
  return value;
}

/** docker's ValidateDNSSearch. */
export function validateDNSSearch(value: string): string {
  const domain = value.replace(/\.$/, '');
  if (domain === '' || domain.length > 255 || !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(domain)) {
    if (value !== '.') throw new Error(`${value} is not a valid domain`);
  }
  return value;
}

/** A flag value of Go's time.Duration that must not be negative (docker's PositiveDurationOpt). */
export function positive(nanos: bigint): bigint {
  if (nanos < 0n) throw new Error('duration cannot be negative');
  return nanos;
}

/** Key/value strings to a map (docker's ConvertKVStringsToMap). */
export function kvToMap(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq < 0) out[value] = '';
    else out[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return out;
}
