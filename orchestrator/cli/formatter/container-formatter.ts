// `docker ps` rows (docker's cli/command/formatter/container.go).
import type { ContainerSummary, Port } from '../../api/engine-types.js';
import { type GoStringer, goTypeName } from '../text/go-template.js';
import { familiarString, parseNormalizedNamed } from '../text/image-reference.js';
import { ellipsis, goQuote, humanDuration, humanSizeWithPrecision, truncateId } from '../text/units.js';
import { HeaderContext, SubContext } from './format-context.js';

/** The default `docker ps` table. */
export const defaultContainerTableFormat =
  'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

/** docker's NewContainerFormat. */
export function containerFormat(source: string, quiet: boolean, size: boolean): string {
  if (source === 'table') {
    if (quiet) return '{{.ID}}';
    return size ? `${defaultContainerTableFormat}\t{{.Size}}` : defaultContainerTableFormat;
  }
  if (source === 'raw') {
    if (quiet) return 'container_id: {{.ID}}';
    let format =
      'container_id: {{.ID}}\\nimage: {{.Image}}\\ncommand: {{.Command}}\\ncreated_at: {{.CreatedAt}}\\nstate: {{- pad .State 1 0}}\\nstatus: {{- pad .Status 1 0}}\\nnames: {{.Names}}\\nlabels: {{- pad .Labels 1 0}}\\nports: {{- pad .Ports 1 0}}\\n';
    if (size) format += 'size: {{.Size}}\\n';
    return format;
  }
  return source;
}

/** The header of the container table. */
export const containerHeader = new HeaderContext({
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Names: 'NAMES',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  LocalVolumes: 'LOCAL VOLUMES',
  Networks: 'NETWORKS',
  Platform: 'PLATFORM',
});

function joinHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** docker's DisplayablePorts: consecutive ports grouped ("0.0.0.0:8000-8001->8000-8001/tcp"). */
export function displayablePorts(ports: Port[]): string {
  const sorted = [...ports].sort((a, b) => {
    if (a.PrivatePort !== b.PrivatePort) return a.PrivatePort - b.PrivatePort;
    if ((a.IP ?? '') !== (b.IP ?? '')) return (a.IP ?? '') < (b.IP ?? '') ? -1 : 1;
    if ((a.PublicPort ?? 0) !== (b.PublicPort ?? 0)) return (a.PublicPort ?? 0) - (b.PublicPort ?? 0);
    return a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0;
  });
  const groups = new Map<string, { first: number; last: number }>();
  const order: string[] = [];
  const result: string[] = [];
  const hostMappings: string[] = [];
  const form = (key: string, first: number, last: number) => {
    const parts = key.split('/');
    let type = parts[0]!;
    let ip = '';
    if (parts.length > 1) {
      ip = parts[0]!;
      type = parts[1]!;
    }
    let group = String(first);
    if (first !== last) group = `${group}-${last}`;
    if (ip) group = `${ip}:${group}->${group}`;
    return `${group}/${type}`;
  };
  for (const port of sorted) {
    const current = port.PrivatePort;
    let key: string = port.Type;
    if (port.IP) {
      if ((port.PublicPort ?? 0) !== current) {
        hostMappings.push(`${joinHostPort(port.IP, port.PublicPort ?? 0)}->${port.PrivatePort}/${port.Type}`);
        continue;
      }
      key = `${port.IP}/${port.Type}`;
    }
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { first: current, last: current });
      order.push(key);
      continue;
    }
    if (current === group.last + 1) {
      group.last = current;
      continue;
    }
    result.push(form(key, group.first, group.last));
    groups.set(key, { first: current, last: current });
  }
  for (const key of order) {
    const group = groups.get(key)!;
    result.push(form(key, group.first, group.last));
  }
  return [...result, ...hostMappings].join(', ');
}

/** One row of `docker ps`. */
export class ContainerContext extends SubContext {
  readonly [goTypeName] = '*formatter.ContainerContext';
  constructor(
    private readonly container: ContainerSummary,
    private readonly trunc: boolean,
    private readonly now = Date.now(),
  ) {
    super();
  }
  ID(): string {
    return this.trunc ? truncateId(this.container.Id ?? '') : (this.container.Id ?? '');
  }
  Names(): string {
    let names = (this.container.Names ?? []).map((n) => n.replace(/^\//, ''));
    if (this.trunc) {
      const plain = names.find((n) => !n.includes('/'));
      if (plain !== undefined) names = [plain];
    }
    return names.join(',');
  }
  Image(): string {
    const image = this.container.Image ?? '';
    if (image === '') return '<no image>';
    if (this.trunc) {
      const imageId = truncateId(this.container.ImageID ?? '');
      if (imageId === truncateId(image)) return imageId;
      const ref = parseNormalizedNamed(image);
      if (ref) return familiarString({ name: ref.name, tag: ref.tag });
    }
    return image;
  }
  Command(): string {
    const command = this.trunc ? ellipsis(this.container.Command ?? '', 20) : (this.container.Command ?? '');
    return goQuote(command);
  }
  CreatedAt(): string {
    const date = new Date((this.container.Created ?? 0) * 1000);
    const pad = (n: number) => String(n).padStart(2, '0');
    const offset = -date.getTimezoneOffset();
    const zone = `${offset < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`;
    const name =
      Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
        .formatToParts(date)
        .find((p) => p.type === 'timeZoneName')?.value ?? zone;
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())} ${zone} ${name === 'UTC' || name === 'GMT' ? 'UTC' : name}`;
  }
  RunningFor(): string {
    return `${humanDuration((this.now - (this.container.Created ?? 0) * 1000) * 1e6)} ago`;
  }
  Ports(): string {
    return displayablePorts(this.container.Ports ?? []);
  }
  State(): string {
    return this.container.State ?? '';
  }
  Status(): string {
    return this.container.Status ?? '';
  }
  Size(): string {
    const rw = this.container.SizeRw ?? 0;
    const root = this.container.SizeRootFs ?? 0;
    let text = humanSizeWithPrecision(rw, 3);
    if (root > 0) text += ` (virtual ${humanSizeWithPrecision(root, 3)})`;
    return text;
  }
  /** docker joins the labels in Go's random map order; sorted here, so the output is stable. */
  Labels(): string {
    return Object.entries(this.container.Labels ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }
  Label(name: string): string {
    return this.container.Labels?.[name] ?? '';
  }
  Mounts(): string {
    return (this.container.Mounts ?? [])
      .map((m) => {
        const name = m.Name || m.Source || '';
        return this.trunc ? ellipsis(name, 15) : name;
      })
      .join(',');
  }
  LocalVolumes(): string {
    return String((this.container.Mounts ?? []).filter((m) => m.Driver === 'local').length);
  }
  Networks(): string {
    return Object.keys(this.container.NetworkSettings?.Networks ?? {})
      .sort()
      .join(',');
  }
  /** The image manifest's platform (API 1.48+); nil (JSON null) when the daemon does not say. */
  Platform(): ContainerPlatform | null {
    const descriptor = (this.container as { ImageManifestDescriptor?: { platform?: OciPlatform } })
      .ImageManifestDescriptor;
    return descriptor?.platform ? new ContainerPlatform(descriptor.platform) : null;
  }
}

interface OciPlatform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
}

/** docker's formatter.Platform: prints as containerd's platforms.FormatAll ("linux/arm64/v8"). */
export class ContainerPlatform implements GoStringer {
  constructor(private readonly platform: OciPlatform) {}
  goString(): string {
    const p = this.platform;
    let text = [p.os || 'unknown', p.architecture || 'unknown', p.variant].filter(Boolean).join('/');
    if (p['os.version']) text += `(${p['os.version']})`;
    return text;
  }
  toJSON(): OciPlatform {
    const p = this.platform;
    return {
      architecture: p.architecture,
      os: p.os,
      ...(p['os.version'] ? { 'os.version': p['os.version'] } : {}),
      ...(p['os.features']?.length ? { 'os.features': p['os.features'] } : {}),
      ...(p.variant ? { variant: p.variant } : {}),
    };
  }
}
