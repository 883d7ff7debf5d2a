// `docker system prune`: removes stopped containers, unused networks, dangling images and build cache.
import type { CliEnv } from '../cli-env.js';
import { encodeFilters } from '../client/engine-client.js';
import { CancelledError, type Invocation } from '../cobra/command.js';
import type { Filters } from '../cobra/flags.js';
import { humanSize, naturalCompare } from '../text/units.js';
import { confirm } from './prompt.js';

function confirmationMessage(all: boolean, volumes: boolean, filters: Filters): string {
  const warnings = ['all stopped containers', 'all networks not used by at least one container'];
  if (volumes) warnings.push('all anonymous volumes not used by at least one container');
  warnings.push(all ? 'all images without at least one container associated to them' : 'all dangling images');
  warnings.push(all ? 'all build cache' : 'unused build cache');
  const shown: string[] = [];
  for (const name of ['label', 'label!', 'until']) {
    for (const value of Object.keys(filters[name] ?? {})) shown.push(`${name}=${value}`);
  }
  shown.sort(naturalCompare);
  let text = `WARNING! This will remove:${warnings.map((w) => `\n  - ${w}`).join('')}\n`;
  if (shown.length)
    text += `\n  Items to be pruned will be filtered with:${shown.map((f) => `\n  - ${f}`).join('')}\n`;
  return `${text}\nAre you sure you want to continue?`;
}

interface PruneReport {
  deleted: string[];
  space: number;
}

async function prune(
  env: CliEnv,
  path: string,
  query: Record<string, string | undefined>,
  key: string,
): Promise<PruneReport> {
  const report = await env.client().json<Record<string, unknown>>('POST', path, { query });
  const items = (report?.[key] as unknown[] | null) ?? [];
  const deleted = items.map((item) =>
    typeof item === 'string'
      ? item
      : (item as { Untagged?: string }).Untagged
        ? `untagged: ${(item as { Untagged: string }).Untagged}`
        : `deleted: ${(item as { Deleted?: string }).Deleted ?? ''}`,
  );
  return { deleted, space: Number(report?.SpaceReclaimed ?? 0) };
}

/** Runs `docker system prune`. */
export async function runSystemPrune({ flags, env }: Invocation): Promise<void> {
  const all = flags.get<boolean>('all');
  const volumes = flags.get<boolean>('volumes');
  const filters = flags.get<Filters>('filter');
  if (volumes && filters.until)
    throw new Error('ERROR: The "until" filter is not supported with "--volumes"');
  if (!flags.get<boolean>('force') && !(await confirm(env, confirmationMessage(all, volumes, filters)))) {
    throw new CancelledError('system prune has been cancelled');
  }
  const filterQuery = encodeFilters(filters);
  let reclaimed = 0;
  const steps: Array<[string, () => Promise<PruneReport>]> = [
    [
      'Deleted Containers:',
      () => prune(env, '/containers/prune', { filters: filterQuery }, 'ContainersDeleted'),
    ],
    ['Deleted Networks:', () => prune(env, '/networks/prune', { filters: filterQuery }, 'NetworksDeleted')],
  ];
  if (volumes) {
    steps.push([
      'Deleted Volumes:',
      () => prune(env, '/volumes/prune', { filters: filterQuery }, 'VolumesDeleted'),
    ]);
  }
  const imageFilters = structuredClone(filters);
  imageFilters.dangling = { [all ? 'false' : 'true']: true };
  steps.push([
    'Deleted Images:',
    () => prune(env, '/images/prune', { filters: encodeFilters(imageFilters) }, 'ImagesDeleted'),
  ]);
  steps.push([
    'Deleted build cache objects:',
    () =>
      prune(env, '/build/prune', { all: all ? '1' : undefined, filters: filterQuery ?? '' }, 'CachesDeleted'),
  ]);
  for (const [title, step] of steps) {
    const report = await step();
    reclaimed += report.space;
    if (report.deleted.length) env.out.write(`${title}\n${report.deleted.map((d) => `${d}\n`).join('')}\n`);
  }
  env.out.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
}
