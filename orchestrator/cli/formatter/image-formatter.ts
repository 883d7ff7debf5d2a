import type { ImageSummary } from '../../api/engine-types.js';
import { goTypeName } from '../text/go-template.js';
import { familiarString, parseNormalizedNamed } from '../text/image-reference.js';
import { goTimeString, humanDuration, humanSize, humanSizeWithPrecision, truncateId } from '../text/units.js';
import { SubContext } from './format-context.js';

/** One row of `docker images` (docker's imageContext). */
export class ImageContext extends SubContext {
  readonly [goTypeName] = '*formatter.imageContext';
  constructor(
    private readonly image: ImageSummary,
    private readonly repo: string,
    private readonly tag: string,
    private readonly digest: string,
    private readonly trunc: boolean,
    private readonly now: number,
  ) {
    super();
  }
  ID(): string {
    return this.trunc ? truncateId(this.image.Id) : this.image.Id;
  }
  Repository(): string {
    return this.repo;
  }
  Tag(): string {
    return this.tag;
  }
  Digest(): string {
    return this.digest;
  }
  CreatedSince(): string {
    return `${humanDuration((this.now - this.image.Created * 1000) * 1e6)} ago`;
  }
  CreatedAt(): string {
    return goTimeString(new Date(this.image.Created * 1000).toISOString());
  }
  Size(): string {
    return humanSizeWithPrecision(this.image.Size, 3);
  }
  Containers(): string {
    return this.image.Containers === -1 ? 'N/A' : String(this.image.Containers);
  }
  VirtualSize(): string {
    return humanSize(this.image.Size);
  }
  SharedSize(): string {
    return this.image.SharedSize === -1 ? 'N/A' : humanSize(this.image.SharedSize);
  }
  UniqueSize(): string {
    if (this.image.Size === -1 || this.image.SharedSize === -1) return 'N/A';
    return humanSize(this.image.Size - this.image.SharedSize);
  }
}

/** An image row of `docker system df -v`: docker shows the first tag only, and no digest. */
export function imageUsageContext(image: ImageSummary, trunc: boolean, now: number): ImageContext {
  const tags = image.RepoTags ?? [];
  const digests = image.RepoDigests ?? [];
  const dangling =
    (tags.length === 0 && digests.length === 0) ||
    (tags.length === 1 &&
      tags[0] === '<none>:<none>' &&
      digests.length === 1 &&
      digests[0] === '<none>@<none>');
  const ref = tags.length > 0 && !dangling ? parseNormalizedNamed(tags[0]!) : undefined;
  if (ref?.tag === undefined) return new ImageContext(image, '<none>', '<none>', '', trunc, now);
  return new ImageContext(image, familiarString({ name: ref.name }), ref.tag, '', trunc, now);
}
