/**
 * Docker image references (`nginx`, `nginx:1.25`, `docker.io/library/nginx:1.25@sha256:...`), parsed and
 * normalized the way the docker CLI and engine do (distribution/reference), without any registry.
 */

/** A parsed reference: `repository` is the familiar name (`nginx`, `dockersamples/visualizer`). */
export interface ImageReference {
  repository: string;
  /** The tag, `latest` when neither tag nor digest was given. */
  tag?: string;
  /** `sha256:<64 hex>` when the reference pins a digest. */
  digest?: string;
}

/** Thrown for references Docker itself would refuse; the message is Docker's. */
export class InvalidReferenceError extends Error {
  override name = 'InvalidReferenceError';
}

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^sha256:[a-f0-9]{64}$/;
const defaultRegistries = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Parses a reference; a missing tag (and no digest) means `latest`. Throws InvalidReferenceError. */
export function parseImageReference(text: string): ImageReference {
  if (typeof text !== 'string' || text.length === 0 || text.length > 512) {
    throw new InvalidReferenceError('invalid reference format');
  }
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(digest)) throw new InvalidReferenceError('invalid reference format');
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) throw new InvalidReferenceError('invalid reference format');
  }
  const parts = rest.split('/');
  let domain: string | undefined;
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost')) domain = parts.shift();
  if (parts.length === 0 || parts.some((part) => part.length === 0)) {
    throw new InvalidReferenceError('invalid reference format');
  }
  for (const part of parts) {
    if (!pathComponent.test(part)) {
      if (pathComponent.test(part.toLowerCase())) {
        throw new InvalidReferenceError(
          `invalid reference format: repository name (${parts.join('/')}) must be lowercase`,
        );
      }
      throw new InvalidReferenceError('invalid reference format');
    }
  }
  let path = parts.join('/');
  if (domain === undefined || defaultRegistries.has(domain)) {
    if (path.startsWith('library/') && parts.length === 2) path = parts[1];
  } else {
    path = `${domain}/${path}`;
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { repository: path, tag, digest };
}

/** The familiar string of a reference: `nginx:latest`, `nginx@sha256:...`, `nginx:1.25@sha256:...`. */
export function formatReference(ref: ImageReference): string {
  return `${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
