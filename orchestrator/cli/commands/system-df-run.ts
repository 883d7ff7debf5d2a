// `docker system df`: disk usage per object type from GET /system/df.
import type { BuildCache, ContainerSummary, ImageSummary, Volume } from '../../api/engine-types.js';
import type { Output } from '../cli-env.js';
import type { Invocation } from '../cobra/command.js';
import { ContainerContext, containerHeader } from '../formatter/container-formatter.js';
import {
  finalFormat,
  HeaderContext,
  parseTemplate,
  SubContext,
  writeFormatted,
} from '../formatter/format-context.js';
import { imageUsageContext } from '../formatter/image-formatter.js';
import { goTypeName, TemplateError } from '../text/go-template.js';
import { goTimeString, humanDuration, humanSize, humanSizeWithPrecision, truncateId } from '../text/units.js';

interface DiskUsage {
  LayersSize?: number;
  Images?: ImageSummary[] | null;
  Containers?: ContainerSummary[] | null;
  Volumes?: Volume[] | null;
  BuildCache?: BuildCache[] | null;
}

function withPercent(reclaimable: number, total: number): string {
  if (total > 0) return `${humanSize(reclaimable)} (${Math.trunc((reclaimable * 100) / total)}%)`;
  return humanSize(reclaimable);
}

/** One row of the summary table. */
class UsageRow extends SubContext {
  readonly [goTypeName] = '*formatter.diskUsageContext';
  constructor(
    private readonly type: string,
    private readonly total: number,
    private readonly active: number,
    private readonly size: number,
    private readonly reclaimable: string,
  ) {
    super();
  }
  Type(): string {
    return this.type;
  }
  TotalCount(): string {
    return String(this.total);
  }
  Active(): string {
    return String(this.active);
  }
  Size(): string {
    return humanSize(this.size);
  }
  Reclaimable(): string {
    return this.reclaimable;
  }
}

/** The four summary rows docker prints (images, containers, local volumes, build cache). */
export function usageRows(usage: DiskUsage): UsageRow[] {
  const images = usage.Images ?? [];
  const imageTotal = usage.LayersSize ?? 0;
  let imagesUsed = 0;
  for (const image of images) {
    if (image.Containers !== 0 && image.Size !== -1 && image.SharedSize !== -1)
      imagesUsed += image.Size - image.SharedSize;
  }
  const containers = usage.Containers ?? [];
  const isActive = (c: ContainerSummary) => /running|paused|restarting/.test(c.State ?? '');
  const containerSize = containers.reduce((sum, c) => sum + (c.SizeRw ?? 0), 0);
  const containerReclaimable = containers
    .filter((c) => !isActive(c))
    .reduce((sum, c) => sum + (c.SizeRw ?? 0), 0);
  const volumes = usage.Volumes ?? [];
  const volumeSize = (v: Volume) => Math.max(0, v.UsageData?.Size ?? 0);
  const volumeTotal = volumes.reduce((sum, v) => sum + volumeSize(v), 0);
  const volumeReclaimable = volumes
    .filter((v) => (v.UsageData?.RefCount ?? 0) === 0)
    .reduce((sum, v) => sum + volumeSize(v), 0);
  const cache = usage.BuildCache ?? [];
  const cacheSize = cache.filter((c) => !c.Shared).reduce((sum, c) => sum + (c.Size ?? 0), 0);
  const cacheReclaimable = cache
    .filter((c) => !c.Shared && !c.InUse)
    .reduce((sum, c) => sum + (c.Size ?? 0), 0);
  return [
    new UsageRow(
      'Images',
      images.length,
      images.filter((i) => i.Containers > 0).length,
      imageTotal,
      withPercent(imageTotal - imagesUsed, imageTotal),
    ),
    new UsageRow(
      'Containers',
      containers.length,
      containers.filter(isActive).length,
      containerSize,
      withPercent(containerReclaimable, containerSize),
    ),
    new UsageRow(
      'Local Volumes',
      volumes.length,
      volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length,
      volumeTotal,
      withPercent(volumeReclaimable, volumeTotal),
    ),
    new UsageRow(
      'Build Cache',
      cache.length,
      cache.filter((c) => c.InUse).length,
      cacheSize,
      humanSize(cacheReclaimable),
    ),
  ];
}

const defaultFormat = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const rawFormat =
  'type: {{.Type}}\ntotal: {{.TotalCount}}\nactive: {{.Active}}\nsize: {{.Size}}\nreclaimable: {{.Reclaimable}}\n';

const ago = (millis: number, now: number) => `${humanDuration((now - millis) * 1e6)} ago`;

/** A volume row of `docker system df -v`. */
class VolumeUsage extends SubContext {
  readonly [goTypeName] = '*formatter.volumeContext';
  constructor(private readonly volume: Volume) {
    super();
  }
  Name(): string {
    return this.volume.Name;
  }
  Driver(): string {
    return this.volume.Driver;
  }
  Scope(): string {
    return this.volume.Scope;
  }
  Mountpoint(): string {
    return this.volume.Mountpoint;
  }
  Links(): string {
    return this.volume.UsageData ? String(this.volume.UsageData.RefCount) : 'N/A';
  }
  Size(): string {
    return this.volume.UsageData ? humanSize(this.volume.UsageData.Size) : 'N/A';
  }
}

/** A build cache row of `docker system df -v`. */
class BuildCacheUsage extends SubContext {
  readonly [goTypeName] = '*formatter.buildCacheContext';
  constructor(
    private readonly cache: BuildCache,
    private readonly trunc: boolean,
    private readonly now: number,
  ) {
    super();
  }
  ID(): string {
    const id = this.trunc ? truncateId(this.cache.ID ?? '') : (this.cache.ID ?? '');
    return this.cache.InUse ? `${id}*` : id;
  }
  Parent(): string {
    const parent = (this.cache.Parents ?? []).join(', ');
    return this.trunc ? truncateId(parent) : parent;
  }
  CacheType(): string {
    return this.cache.Type ?? '';
  }
  Description(): string {
    return this.cache.Description ?? '';
  }
  Size(): string {
    return humanSizeWithPrecision(this.cache.Size ?? 0, 3);
  }
  CreatedAt(): string {
    return goTimeString(this.cache.CreatedAt ?? '');
  }
  CreatedSince(): string {
    return ago(Date.parse(this.cache.CreatedAt ?? '') || 0, this.now);
  }
  LastUsedAt(): string {
    return this.cache.LastUsedAt ? goTimeString(this.cache.LastUsedAt) : '';
  }
  LastUsedSince(): string {
    return this.cache.LastUsedAt ? ago(Date.parse(this.cache.LastUsedAt), this.now) : '';
  }
  UsageCount(): string {
    return String(this.cache.UsageCount ?? 0);
  }
  InUse(): string {
    return String(Boolean(this.cache.InUse));
  }
  Shared(): string {
    return String(Boolean(this.cache.Shared));
  }
}

/** docker's buildCacheSort: never-used first, then by last use, then by id. */
function sortBuildCache(cache: BuildCache[]): BuildCache[] {
  const byId = (a: BuildCache, b: BuildCache) =>
    (a.ID ?? '') < (b.ID ?? '') ? -1 : (a.ID ?? '') > (b.ID ?? '') ? 1 : 0;
  return [...cache].sort((a, b) => {
    if (!a.LastUsedAt && !b.LastUsedAt) return byId(a, b);
    if (!a.LastUsedAt) return -1;
    if (!b.LastUsedAt) return 1;
    const ta = Date.parse(a.LastUsedAt);
    const tb = Date.parse(b.LastUsedAt);
    return ta === tb ? byId(a, b) : ta - tb;
  });
}

const imageHeader = new HeaderContext({
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
  VirtualSize: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
});
const volumeHeader = new HeaderContext({
  ID: 'ID',
  Name: 'VOLUME NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  Mountpoint: 'MOUNTPOINT',
  Labels: 'LABELS',
  Links: 'LINKS',
  Size: 'SIZE',
});
const buildCacheHeader = new HeaderContext({
  ID: 'CACHE ID',
  Parent: 'PARENT',
  CacheType: 'CACHE TYPE',
  Size: 'SIZE',
  CreatedSince: 'CREATED',
  LastUsedSince: 'LAST USED',
  UsageCount: 'USAGE',
  InUse: 'IN USE',
  Shared: 'SHARED',
  Description: 'DESCRIPTION',
});

/** `docker system df -v`: a table per object type, or one template over all of them. */
export function writeVerbose(out: Output, usage: DiskUsage, format: string): void {
  const trunc = format.startsWith('table');
  const now = Date.now();
  const images = (usage.Images ?? []).map((i) => imageUsageContext(i, trunc, now));
  const containers = (usage.Containers ?? []).map(
    (c) => new ContainerContext({ ...c, SizeRootFs: 0 }, trunc, now),
  );
  const volumes = (usage.Volumes ?? []).map((v) => new VolumeUsage(v));
  const cache = sortBuildCache(usage.BuildCache ?? []).map((c) => new BuildCacheUsage(c, trunc, now));
  if (format === 'table') {
    out.write('Images space usage:\n\n');
    writeFormatted(
      out,
      'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}',
      imageHeader,
      images,
    );
    out.write('\nContainers space usage:\n\n');
    writeFormatted(
      out,
      'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}',
      containerHeader,
      containers,
    );
    out.write('\nLocal Volumes space usage:\n\n');
    writeFormatted(out, 'table {{.Name}}\t{{.Links}}\t{{.Size}}', volumeHeader, volumes);
    const builderSize = (usage.BuildCache ?? [])
      .filter((c) => !c.Shared)
      .reduce((sum, c) => sum + (c.Size ?? 0), 0);
    out.write(`\nBuild cache usage: ${humanSize(builderSize)}\n\n`);
    writeFormatted(
      out,
      'table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}',
      buildCacheHeader,
      cache,
    );
    return;
  }
  const source =
    format === 'raw'
      ? '{{range .Images}}type: Image\nrepository: {{ .Repository }}\ntag: {{.Tag}}\ndigest: {{.Digest}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n\n{{end -}}\n' +
        '{{range .Containers}}type: Container\ncontainer_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\nstate: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\nlabels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\nsize: {{.Size}}\n\n{{end -}}\n' +
        '{{range .Volumes}}type: Volume\nname: {{.Name}}\ndriver: {{.Driver}}\n\n{{end -}}\n' +
        '{{range .BuildCache}}type: Build Cache\nbuild_cache_id: {{.ID}}\nparent_id: {{.Parent}}\nbuild_cache_type: {{.CacheType}}\ndescription: {{.Description}}\ncreated_at: {{.CreatedAt}}\ncreated_since: {{.CreatedSince}}\nlast_used_at: {{.LastUsedAt}}\nlast_used_since: {{.LastUsedSince}}\nusage_count: {{.UsageCount}}\nin_use: {{.InUse}}\nshared: {{.Shared}}\n\n{{end -}}'
      : finalFormat(format);
  const data = {
    [goTypeName]: '*formatter.diskUsageContext',
    Images: images,
    Containers: containers,
    Volumes: volumes,
    BuildCache: cache,
  };
  Object.setPrototypeOf(data, VerboseUsage.prototype);
  try {
    out.write(parseTemplate(source).execute(data));
  } catch (err) {
    if (err instanceof TemplateError) throw new Error(`template parsing error: ${err.message}`);
    throw err;
  }
}

/** The data of a verbose template (a struct: its fields are Images, Containers, Volumes, BuildCache). */
class VerboseUsage {}

/** Runs `docker system df`. */
export async function runDiskUsage({ flags, env }: Invocation): Promise<void> {
  const usage = await env.client().get<DiskUsage>('/system/df');
  if (flags.get<boolean>('verbose')) {
    writeVerbose(env.out, usage, flags.get<string>('format') || 'table');
    return;
  }
  let format = flags.get<string>('format') || 'table';
  if (format === 'table') format = defaultFormat;
  else if (format === 'raw') format = rawFormat;
  const header = new HeaderContext({
    Type: 'TYPE',
    TotalCount: 'TOTAL',
    Active: 'ACTIVE',
    Size: 'SIZE',
    Reclaimable: 'RECLAIMABLE',
  });
  writeFormatted(env.out, format, header, usageRows(usage));
}
