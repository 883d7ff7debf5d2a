import { createHash } from 'node:crypto';
import type { Executor } from '../../agent/executor/executor.js';
import {
  canonicalJson,
  findImage,
  listImages,
  repoDigest,
  repoTags,
  resolveParsed,
} from '../../agent/images/catalog.js';
import { parseImageReference } from '../../agent/images/reference.js';
import type { BuiltinImage } from '../../agent/images/types.js';
import type { ImageInspect, ImageSummary } from '../engine-types.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { matchesLabels, parseFilters } from '../filters.js';
import { Reply, type Router } from '../router.js';

const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** The image's layers, as ids derived from its content (the built-in images have one layer each). */
function layers(image: BuiltinImage): string[] {
  return [
    `sha256:${createHash('sha256')
      .update(canonicalJson({ files: image.files, binaries: image.binaries }))
      .digest('hex')}`,
  ];
}

/** An image as `GET /images/json` lists it; `containers` is -1 when not counted (Docker's default). */
export function imageSummary(image: BuiltinImage, containers = -1): ImageSummary {
  return {
    Id: image.id,
    ParentId: '',
    RepoTags: repoTags(image),
    RepoDigests: [repoDigest(image)],
    Created: unix(image.created),
    Size: image.size,
    SharedSize: -1,
    Labels: image.config.Labels ?? {},
    Containers: containers,
  };
}

/** An image as `GET /images/{name}/json` answers: its config shows Env and Healthcheck (lesson 9 reads them). */
export function imageInspect(image: BuiltinImage): ImageInspect {
  return {
    Id: image.id,
    RepoTags: repoTags(image),
    RepoDigests: [repoDigest(image)],
    Parent: '',
    Comment: 'swarmlab built-in image',
    Created: image.created,
    DockerVersion: '',
    Author: '',
    Config: {
      Hostname: '',
      Domainname: '',
      User: '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Image: '',
      WorkingDir: '',
      OnBuild: null,
      ...image.config,
    },
    Architecture: 'amd64',
    Os: 'linux',
    Size: image.size,
    GraphDriver: { Name: 'swarmlab', Data: {} },
    RootFS: { Type: 'layers', Layers: layers(image) },
    Metadata: {},
  };
}

/** Paths whose last segment is `suffix` and whose name may hold slashes (`dockersamples/visualizer`). */
export function registerNamePaths(
  router: Router,
  prefix: string,
  suffix: string,
  handler: (name: string) => unknown,
): void {
  for (let segments = 1; segments <= 4; segments++) {
    const params = Array.from({ length: segments }, (_, i) => `{p${i}}`);
    router.get(`${prefix}/${params.join('/')}/${suffix}`, (req) =>
      handler(params.map((_, i) => req.params[`p${i}`]).join('/')),
    );
  }
}

const imageFilterKeys = ['before', 'dangling', 'label', 'reference', 'since', 'until'];

function referenceMatches(image: BuiltinImage, pattern: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '.')}$`,
  );
  return repoTags(image).some((tag) => regex.test(tag) || regex.test(tag.split(':')[0]));
}

/** The images part of `GET /system/df`: each image with the number of containers using it. */
export function imagesDiskUsage(executor: Executor): { LayersSize: number; Images: ImageSummary[] } {
  const containers = executor.list();
  const images = listImages().map((image) =>
    imageSummary(image, containers.filter((c) => c.imageId === image.id).length),
  );
  return {
    LayersSize: images.reduce((sum, image) => sum + image.Size, 0),
    Images: images.map((i) => ({ ...i, SharedSize: 0 })),
  };
}

/**
 * The image endpoints. Images are built into swarmlab (no registry, no pull): every node has them all, and
 * they cannot be removed.
 */
export function registerImageRoutes(router: Router, deps: { executor?: Executor } = {}): void {
  router.get('/images/json', (req) => {
    const filters = parseFilters(req.query.get('filters'), imageFilterKeys);
    if ((filters.get('dangling') ?? []).some((v) => v === 'true' || v === '1')) return [];
    const boundary = (key: string) => {
      const value = filters.get(key)?.[0];
      if (value === undefined) return undefined;
      const found = findImage(value);
      if (!found) throw notFound(`No such image: ${value}`);
      return found.created;
    };
    const before = boundary('before');
    const since = boundary('since');
    const counts = new Map<string, number>();
    for (const container of deps.executor?.list() ?? [])
      counts.set(container.imageId, (counts.get(container.imageId) ?? 0) + 1);
    return listImages()
      .filter((image) =>
        (filters.get('reference') ?? []).every((pattern) => referenceMatches(image, pattern)),
      )
      .filter((image) => matchesLabels(filters, image.config.Labels ?? {}))
      .filter(
        (image) =>
          (before === undefined || image.created < before) && (since === undefined || image.created > since),
      )
      .sort((a, b) => b.created.localeCompare(a.created))
      .map((image) => imageSummary(image, deps.executor ? (counts.get(image.id) ?? 0) : -1));
  });

  registerNamePaths(router, '/images', 'json', (name) => {
    const image = findImage(name);
    if (!image) {
      try {
        parseImageReference(name);
      } catch {
        if (!/^(sha256:)?[0-9a-f]+$/.test(name)) throw badRequest(`invalid reference format: ${name}`);
      }
      throw notFound(`No such image: ${name}`);
    }
    return imageInspect(image);
  });

  router.delete('/images/{name}', (req) => {
    const image = findImage(req.params.name);
    if (!image) throw notFound(`No such image: ${req.params.name}`);
    throw conflict(
      `unable to remove ${req.params.name}: swarmlab's images are built in and cannot be removed`,
    );
  });

  router.post('/images/prune', () => ({ ImagesDeleted: [], SpaceReclaimed: 0 }));

  // `docker pull`: every built-in image is already on every node, so a pull resolves the reference in the
  // catalog and answers as a registry would for an image that is up to date.
  router.post('/images/create', (req) => {
    const from = req.query.get('fromImage') ?? '';
    const tag = req.query.get('tag') ?? '';
    if (!from) throw badRequest('fromImage is required: the image to pull, e.g. ?fromImage=nginx&tag=latest');
    const reference = tag ? (tag.startsWith('sha256:') ? `${from}@${tag}` : `${from}:${tag}`) : from;
    let parsed: ReturnType<typeof parseImageReference>;
    try {
      parsed = parseImageReference(reference);
    } catch (error) {
      throw badRequest((error as Error).message);
    }
    const image = resolveParsed(parsed);
    // Docker names the image by its familiar name in answers (nginx:9.9, not docker.io/library/nginx:9.9).
    const shown = parsed.digest
      ? `${parsed.repository}@${parsed.digest}`
      : `${parsed.repository}:${parsed.tag}`;
    if (!image) {
      const known = listImages().some((i) => i.repository === parsed.repository);
      throw notFound(
        known
          ? `manifest for ${shown} not found: manifest unknown: this lab's registry has only the built-in tags (docker image ls shows them)`
          : `pull access denied for ${parsed.repository}, repository does not exist or may require 'docker login': this lab has no registry, only built-in images (docker image ls shows them)`,
      );
    }
    const lines = [
      { status: `Pulling from ${image.repository}`, id: parsed.tag ?? parsed.digest },
      { status: `Digest: ${image.digest}` },
      { status: `Status: Image is up to date for ${shown}` },
    ];
    return new Reply(200, lines.map((line) => JSON.stringify(line)).join('\r\n') + '\r\n', {
      'Content-Type': 'application/json',
    });
  });
}
