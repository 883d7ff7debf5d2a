import { createHash } from 'node:crypto';
import { alpineImages } from './definitions/alpine.js';
import { nginxImages } from './definitions/nginx.js';
import { redisImages } from './definitions/redis.js';
import { routingMeshImages } from './definitions/routing-mesh.js';
import { visualizerImages } from './definitions/visualizer.js';
import { whoamiImages } from './definitions/whoami.js';
import { type ImageReference, InvalidReferenceError, parseImageReference } from './reference.js';
import type { BuiltinImage, ImageDefinition } from './types.js';

/** JSON with object keys sorted at every level: the same value always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

function withIdentity(definition: ImageDefinition): BuiltinImage {
  const { repository, tags, config, version, files, binaries } = definition;
  return {
    ...definition,
    id: sha256(canonicalJson({ name: repository, tag: tags[0], config, files, binaries, version })),
    digest: sha256(canonicalJson({ name: repository, tag: tags[0], config, version })),
  };
}

let images: BuiltinImage[] | undefined;

/** Every built-in image, in a stable order. */
export function listImages(): BuiltinImage[] {
  images ??= [
    ...routingMeshImages,
    ...nginxImages,
    ...visualizerImages,
    ...alpineImages,
    ...redisImages,
    ...whoamiImages,
  ].map(withIdentity);
  return images;
}

/** Resolves a parsed reference: by digest when one is given (Docker pulls by digest then), else by tag. */
export function resolveParsed(ref: ImageReference): BuiltinImage | undefined {
  const candidates = listImages().filter((image) => image.repository === ref.repository);
  if (ref.digest) return candidates.find((image) => image.digest === ref.digest);
  return candidates.find((image) => image.tags.includes(ref.tag ?? 'latest'));
}

/**
 * Resolves `name`, `name:tag`, `docker.io/library/name:tag`, `name@sha256:...` or `name:tag@sha256:...`.
 * Undefined when no built-in image matches; throws InvalidReferenceError for malformed references.
 */
export function resolveImage(reference: string): BuiltinImage | undefined {
  return resolveParsed(parseImageReference(reference));
}

/**
 * Finds an image as `docker image inspect` does: by reference, by full id (`sha256:...`) or by an id prefix of
 * at least 4 hex characters. Malformed references simply find nothing.
 */
export function findImage(nameOrId: string): BuiltinImage | undefined {
  const hex = nameOrId.startsWith('sha256:') ? nameOrId.slice(7) : nameOrId;
  if (/^[0-9a-f]{4,64}$/.test(hex)) {
    const byId = listImages().filter((image) => image.id.slice(7).startsWith(hex));
    if (byId.length === 1) return byId[0];
  }
  try {
    return resolveImage(nameOrId);
  } catch (error) {
    if (error instanceof InvalidReferenceError) return undefined;
    throw error;
  }
}

/** `repository:tag` for every tag of an image (RepoTags). */
export function repoTags(image: BuiltinImage): string[] {
  return image.tags.map((tag) => `${image.repository}:${tag}`);
}

/** The image's manifest reference (RepoDigests). */
export function repoDigest(image: BuiltinImage): string {
  return `${image.repository}@${image.digest}`;
}
