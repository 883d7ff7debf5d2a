// The parts of distribution/reference that docker's formatters and service commands use: parse a
// normalized image name, print it in its familiar form, add the default tag or a digest.

/** A parsed image reference. */
export interface ImageReference {
  /** Full name with domain: "docker.io/library/nginx". */
  name: string;
  tag?: string;
  digest?: string;
}

const componentPattern = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** reference.ParseNormalizedNamed; undefined when the text is not a valid reference. */
export function parseNormalizedNamed(text: string): ImageReference | undefined {
  if (text === '' || text !== text.trim()) return undefined;
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) return undefined;
  }
  const parts = rest.split('/');
  let domain = 'docker.io';
  const first = parts[0]!;
  if (
    parts.length > 1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())
  ) {
    domain = first;
    parts.shift();
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && parts.length === 1) parts.unshift('library');
  if (parts.some((p) => !componentPattern.test(p))) return undefined;
  return { name: `${domain}/${parts.join('/')}`, tag, digest };
}

/** The familiar name: "docker.io/library/nginx" -> "nginx". */
export function familiarName(name: string): string {
  if (name.startsWith('docker.io/library/') && !name.slice('docker.io/library/'.length).includes('/')) {
    return name.slice('docker.io/library/'.length);
  }
  if (name.startsWith('docker.io/')) return name.slice('docker.io/'.length);
  return name;
}

/** reference.FamiliarString. */
export function familiarString(ref: ImageReference): string {
  return `${familiarName(ref.name)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** What docker's formatters show for a service or task image: name:tag without the digest. */
export function imageForDisplay(image: string): string {
  const ref = parseNormalizedNamed(image);
  if (!ref || ref.tag === undefined) return image;
  return familiarString({ name: ref.name, tag: ref.tag });
}

/** imageWithTagString: adds ":latest" to an untagged name ("" for an invalid reference). */
export function imageWithTag(image: string): string {
  const ref = parseNormalizedNamed(image);
  if (!ref) return '';
  if (ref.tag === undefined && ref.digest === undefined) ref.tag = 'latest';
  return familiarString(ref);
}

/** imageWithDigestString: pins a tagged name to a digest (unchanged when it already has one). */
export function imageWithDigest(image: string, digest: string): string {
  const ref = parseNormalizedNamed(image);
  if (!ref || ref.digest) return image;
  return familiarString({ ...ref, digest });
}
