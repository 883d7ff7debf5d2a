// The image commands (pull, images, image inspect, rmi, image prune) and `docker inspect`.
import type { ImageSummary, SystemInfo } from '../../api/engine-types.js';
import type { CliEnv } from '../cli-env.js';
import { DaemonError, encodeFilters } from '../client/engine-client.js';
import { CancelledError, type Invocation } from '../cobra/command.js';
import type { Filters } from '../cobra/flags.js';
import { HeaderContext, writeFormatted } from '../formatter/format-context.js';
import { ImageContext } from '../formatter/image-formatter.js';
import { type Inspected, inspectObjects } from '../formatter/inspect.js';
import { displayJsonMessages, JsonMessageDisplay } from '../progress/json-messages.js';
import { decodeGo, imageInspectType, nodeType, serviceType } from '../text/go-types.js';
import { familiarName, parseNormalizedNamed } from '../text/image-reference.js';
import { humanSize } from '../text/units.js';
import { confirm } from './prompt.js';

/** reference.ParseNormalizedNamed's error for text that is not a valid reference. */
export function referenceError(text: string): string {
  if (/^[a-f0-9]{64}$/.test(text)) {
    return `invalid repository name (${text}), cannot specify 64-byte hexadecimal strings`;
  }
  const slash = text.indexOf('/');
  const first = slash < 0 ? '' : text.slice(0, slash);
  const hasDomain = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let remainder = hasDomain ? text.slice(slash + 1) : text;
  if (!hasDomain && !remainder.includes('/')) remainder = `library/${remainder}`;
  const beforeTag = remainder.replace(/[:@].*$/, '');
  if (beforeTag.toLowerCase() !== beforeTag) {
    return `invalid reference format: repository name (${beforeTag}) must be lowercase`;
  }
  if (text === '') return 'repository name must have at least one component';
  return 'invalid reference format';
}

/** The X-Registry-Auth header docker sends without stored credentials: the registry's address only. */
function registryAuth(name: string): string {
  const domain = name.slice(0, name.indexOf('/'));
  const server = domain === 'docker.io' ? 'https://index.docker.io/v1/' : domain;
  return Buffer.from(JSON.stringify({ serveraddress: server })).toString('base64url');
}

/** `docker pull`. */
export async function runPull({ args, flags, env }: Invocation): Promise<void> {
  const all = flags.get<boolean>('all-tags');
  const quiet = flags.get<boolean>('quiet');
  const ref = parseNormalizedNamed(args[0]!);
  if (!ref) throw new Error(referenceError(args[0]!));
  const nameOnly = ref.tag === undefined && ref.digest === undefined;
  if (all && !nameOnly) throw new Error("tag can't be used with --all-tags/-a");
  if (!all && nameOnly) {
    ref.tag = 'latest';
    if (!quiet) env.out.write('Using default tag: latest\n');
  }
  const platform = flags.get<string>('platform');
  const stream = await env.client().stream('POST', '/images/create', {
    query: {
      fromImage: ref.name,
      tag: all ? undefined : (ref.digest ?? ref.tag ?? ''),
      platform: platform ? platform.toLowerCase() : undefined,
    },
    headers: { 'X-Registry-Auth': registryAuth(ref.name) },
  });
  const display = new JsonMessageDisplay(
    (text) => {
      if (!quiet) env.out.write(text);
    },
    env.out.isTerminal,
    () => (env.out.isTerminal ? env.out.columns : 200),
  );
  await displayJsonMessages(stream, display);
  env.out.write(
    `${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}\n`,
  );
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

const defaultImageFormat =
  'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';
const defaultImageDigestFormat =
  'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}';

function imageFormat(source: string, quiet: boolean, digest: boolean): string {
  if (source === 'table') return quiet ? '{{.ID}}' : digest ? defaultImageDigestFormat : defaultImageFormat;
  if (source === 'raw') {
    if (quiet) return 'image_id: {{.ID}}';
    return digest
      ? 'repository: {{ .Repository }}\ntag: {{.Tag}}\ndigest: {{.Digest}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n'
      : 'repository: {{ .Repository }}\ntag: {{.Tag}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n';
  }
  if (source.startsWith('table') && digest && !source.includes('{{.Digest}}'))
    return `${source}\t{{.Digest}}`;
  return source;
}

function isDangling(image: ImageSummary): boolean {
  const tags = image.RepoTags ?? [];
  const digests = image.RepoDigests ?? [];
  if (tags.length === 0 && digests.length === 0) return true;
  return (
    tags.length === 1 && tags[0] === '<none>:<none>' && digests.length === 1 && digests[0] === '<none>@<none>'
  );
}

/** docker's imageFormatTaggedAndDigest: a row per repository and tag (and digest when shown). */
function imageRows(
  image: ImageSummary,
  digest: boolean,
  needDigest: boolean,
  trunc: boolean,
  now: number,
): ImageContext[] {
  const row = (repo: string, tag: string, dgst: string) =>
    new ImageContext(image, repo, tag, dgst, trunc, now);
  if (isDangling(image)) return [row('<none>', '<none>', '<none>')];
  const repoTags = new Map<string, string[]>();
  const repoDigests = new Map<string, string[]>();
  for (const text of image.RepoTags ?? []) {
    const ref = parseNormalizedNamed(text);
    if (!ref || ref.tag === undefined || ref.digest !== undefined) continue;
    const name = familiarName(ref.name);
    repoTags.set(name, [...(repoTags.get(name) ?? []), ref.tag]);
  }
  for (const text of image.RepoDigests ?? []) {
    const ref = parseNormalizedNamed(text);
    if (!ref?.digest) continue;
    const name = familiarName(ref.name);
    repoDigests.set(name, [...(repoDigests.get(name) ?? []), ref.digest]);
  }
  const rows: ImageContext[] = [];
  for (const [repo, tags] of repoTags) {
    let digests = repoDigests.get(repo) ?? [];
    repoDigests.delete(repo);
    if (!needDigest) digests = [];
    for (const tag of tags) {
      if (digests.length === 0) rows.push(row(repo, tag, '<none>'));
      else for (const d of digests) rows.push(row(repo, tag, d));
    }
  }
  for (const [repo, digests] of repoDigests) {
    if (digest) for (const d of digests) rows.push(row(repo, '<none>', d));
    else rows.push(row(repo, '<none>', ''));
  }
  return rows;
}

/** `docker images`. */
export async function runImages({ args, flags, env }: Invocation): Promise<void> {
  const filters = structuredClone(flags.get<Filters>('filter'));
  if (args[0]) filters.reference = { ...(filters.reference ?? {}), [args[0]]: true };
  const quiet = flags.get<boolean>('quiet');
  const digest = flags.get<boolean>('digests');
  const images =
    (await env.client().get<ImageSummary[]>('/images/json', {
      all: flags.get<boolean>('all') ? '1' : undefined,
      filters: encodeFilters(filters),
    })) ?? [];
  const configured = env.configFile.imagesFormat;
  const source = flags.get<string>('format') || (configured && !quiet ? configured : 'table');
  const format = imageFormat(source, quiet, digest);
  const trunc = !flags.get<boolean>('no-trunc');
  const needDigest = digest || format.includes('{{.Digest}}');
  const now = Date.now();
  writeFormatted(
    env.out,
    format,
    imageHeader,
    images.flatMap((image) => imageRows(image, digest, needDigest, trunc, now)),
  );
}

/** Looks an image up for inspect: typed for templates, raw for printing. */
async function inspectImage(env: CliEnv, ref: string, platform?: string): Promise<Inspected> {
  const { value, raw } = await env.client().getWithRaw<unknown>(`/images/${escapePath(ref)}/json`, {
    platform: platform ? JSON.stringify(parsePlatform(platform)) : undefined,
  });
  return { value: decodeGo(value, imageInspectType), raw, typed: true };
}

/** Go's url.URL path escaping of one reference. */
function escapePath(ref: string): string {
  return ref.replace(
    /[ %?#"<>\\^`{|}]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

/** containerd's platforms.Parse, for the common "os[/arch[/variant]]" forms. */
function parsePlatform(text: string): { architecture: string; os: string; variant?: string } {
  const [os = '', arch = '', variant] = text.toLowerCase().split('/');
  return { architecture: arch, os, ...(variant ? { variant } : {}) };
}

/** `docker image inspect`. */
export async function runImageInspect({ args, flags, env }: Invocation): Promise<void> {
  const platform = flags.get<string>('platform');
  await inspectObjects(env.out, args, flags.get<string>('format'), (ref) => inspectImage(env, ref, platform));
}

/** `docker rmi`. */
export async function runRemove({ args, flags, env }: Invocation): Promise<void> {
  const force = flags.get<boolean>('force');
  const errors: string[] = [];
  let fatal = false;
  for (const image of args) {
    try {
      const deleted =
        (await env
          .client()
          .json<Array<{ Untagged?: string; Deleted?: string }>>('DELETE', `/images/${escapePath(image)}`, {
            query: {
              force: force ? '1' : undefined,
              noprune: flags.get<boolean>('no-prune') ? '1' : undefined,
            },
          })) ?? [];
      for (const item of deleted) {
        env.out.write(item.Deleted ? `Deleted: ${item.Deleted}\n` : `Untagged: ${item.Untagged ?? ''}\n`);
      }
    } catch (err) {
      if (!(err instanceof DaemonError && err.notFound)) fatal = true;
      errors.push((err as Error).message);
    }
  }
  if (errors.length === 0) return;
  if (!force || fatal) throw new Error(errors.join('\n'));
  env.err.write(`${errors.join('\n')}\n`);
}

/** `docker image prune`. */
export async function runPrune({ flags, env }: Invocation): Promise<void> {
  const all = flags.get<boolean>('all');
  const filters = structuredClone(flags.get<Filters>('filter'));
  filters.dangling = { [all ? 'false' : 'true']: true };
  const warning = all
    ? 'WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue?'
    : 'WARNING! This will remove all dangling images.\nAre you sure you want to continue?';
  if (!flags.get<boolean>('force') && !(await confirm(env, warning))) {
    throw new CancelledError('image prune has been cancelled');
  }
  const report = await env
    .client()
    .json<{ ImagesDeleted?: Array<{ Untagged?: string; Deleted?: string }> | null; SpaceReclaimed?: number }>(
      'POST',
      '/images/prune',
      { query: { filters: encodeFilters(filters) } },
    );
  const deleted = report?.ImagesDeleted ?? [];
  if (deleted.length > 0) {
    let text = 'Deleted Images:\n';
    for (const item of deleted) {
      text += item.Untagged ? `untagged: ${item.Untagged}\n` : `deleted: ${item.Deleted ?? ''}\n`;
    }
    env.out.write(`${text}\n`);
  }
  env.out.write(`Total reclaimed space: ${humanSize(report?.SpaceReclaimed ?? 0)}\n`);
}

/** `docker container inspect`. */
export async function runContainerInspect({ args, flags, env }: Invocation): Promise<void> {
  const size = flags.get<boolean>('size');
  await inspectObjects(env.out, args, flags.get<string>('format'), async (ref) => {
    const { value, raw } = await env
      .client()
      .getWithRaw<unknown>(`/containers/${escapePath(ref)}/json`, { size: size ? '1' : undefined });
    return { value, raw };
  });
}

const objectTypes = [
  'config',
  'container',
  'image',
  'network',
  'node',
  'plugin',
  'secret',
  'service',
  'task',
  'volume',
] as const;

/** `docker inspect`: tries each kind of object in docker's order until one is found. */
export async function runInspectAny({ args, flags, env }: Invocation): Promise<void> {
  const type = flags.get<string>('type');
  if (type !== '' && !(objectTypes as readonly string[]).includes(type)) {
    throw new Error(
      `unknown type: ${JSON.stringify(type)}: must be one of ${objectTypes.map((t) => JSON.stringify(t)).join(', ')}`,
    );
  }
  const size = flags.get<boolean>('size');
  const client = env.client();
  const raw = async (path: string, query?: Record<string, string | undefined>): Promise<Inspected> => {
    const { value, raw } = await client.getWithRaw<unknown>(path, query);
    return { value, raw };
  };
  const kinds: Array<{
    type: string;
    sizes?: boolean;
    swarm?: boolean;
    lookup: (ref: string) => Promise<Inspected>;
  }> = [
    {
      type: 'container',
      sizes: true,
      lookup: (ref) => raw(`/containers/${escapePath(ref)}/json`, { size: size ? '1' : undefined }),
    },
    { type: 'image', lookup: (ref) => inspectImage(env, ref) },
    { type: 'network', lookup: (ref) => raw(`/networks/${escapePath(ref)}`) },
    { type: 'volume', lookup: (ref) => raw(`/volumes/${escapePath(ref)}`) },
    {
      type: 'service',
      swarm: true,
      lookup: async (ref) => {
        const found = await raw(`/services/${escapePath(ref)}`, { insertDefaults: 'false' });
        return { ...found, value: decodeGo(found.value, serviceType), typed: true };
      },
    },
    { type: 'task', swarm: true, lookup: (ref) => raw(`/tasks/${escapePath(ref)}`) },
    {
      type: 'node',
      swarm: true,
      lookup: async (ref) => {
        const found = await raw(`/nodes/${escapePath(ref)}`);
        return { ...found, value: decodeGo(found.value, nodeType), typed: true };
      },
    },
    { type: 'plugin', lookup: (ref) => raw(`/plugins/${escapePath(ref)}/json`) },
    { type: 'secret', swarm: true, lookup: (ref) => raw(`/secrets/${escapePath(ref)}`) },
    { type: 'config', swarm: true, lookup: (ref) => raw(`/configs/${escapePath(ref)}`) },
  ];
  const skippable = (err: unknown) =>
    (err instanceof DaemonError && err.notFound) ||
    (err as Error).message.includes('not supported') ||
    (err as Error).message.includes('invalid reference format');
  await inspectObjects(env.out, args, flags.get<string>('format'), async (ref) => {
    let swarm: boolean | undefined;
    for (const kind of kinds) {
      if (type !== '' && kind.type !== type) continue;
      if (type === '' && kind.swarm) {
        if (swarm === undefined) {
          try {
            swarm = Boolean((await client.get<SystemInfo>('/info')).Swarm?.ControlAvailable);
          } catch (err) {
            env.err.write(`${(err as Error).message}\n`);
            swarm = false;
          }
        }
        if (!swarm) continue;
      }
      try {
        const found = await kind.lookup(ref);
        if (size && !kind.sizes) env.err.write(`WARNING: --size ignored for ${kind.type}\n`);
        return found;
      } catch (err) {
        if (type === '' && skippable(err)) continue;
        throw err;
      }
    }
    throw new Error(`Error: No such object: ${ref}`);
  });
}
