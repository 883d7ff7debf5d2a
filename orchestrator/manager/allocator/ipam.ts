/**
 * IPv4 address arithmetic for the allocator: subnets from the cluster's default address pools, and addresses
 * within a subnet. Pure functions; addresses are unsigned 32-bit numbers.
 */

/** An IPv4 subnet: its network address and prefix length. */
export interface Subnet {
  base: number;
  bits: number;
}

/** Parses `a.b.c.d`; undefined if it is not a dotted-quad IPv4 address. */
export function parseIp(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

export function formatIp(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

function mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** Parses `a.b.c.d/n`; undefined if malformed. The base is normalized to the network address. */
export function parseCidr(text: string): Subnet | undefined {
  const found = /^([\d.]+)\/(\d{1,2})$/.exec(text.trim());
  if (!found) return undefined;
  const ip = parseIp(found[1]);
  const bits = Number(found[2]);
  if (ip === undefined || bits > 32) return undefined;
  return { base: (ip & mask(bits)) >>> 0, bits };
}

export function formatCidr(subnet: Subnet): string {
  return `${formatIp(subnet.base)}/${subnet.bits}`;
}

/** The number of addresses in a subnet. */
export function sizeOf(subnet: Subnet): number {
  return 2 ** (32 - subnet.bits);
}

export function contains(subnet: Subnet, ip: number): boolean {
  return (ip & mask(subnet.bits)) >>> 0 === subnet.base;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  const bits = Math.min(a.bits, b.bits);
  return (a.base & mask(bits)) >>> 0 === (b.base & mask(bits)) >>> 0;
}

/** The first subnet of `size` bits inside one of `pools` that overlaps none of `used`. */
export function nextSubnet(
  pools: readonly Subnet[],
  size: number,
  used: readonly Subnet[],
): Subnet | undefined {
  for (const pool of pools) {
    if (size < pool.bits) continue;
    const step = 2 ** (32 - size);
    const end = pool.base + sizeOf(pool);
    for (let base = pool.base; base < end; base += step) {
      const candidate = { base, bits: size };
      const clash = used.find((u) => overlaps(u, candidate));
      // Skip the whole clashing subnet when it is larger than one step.
      if (clash) {
        if (clash.bits < size) base = clash.base + sizeOf(clash) - step;
        continue;
      }
      return candidate;
    }
  }
  return undefined;
}

/** The gateway SwarmKit gives a subnet: its first host address. */
export function gatewayOf(subnet: Subnet): number {
  return subnet.base + 1;
}

/**
 * The first free host address of `subnet` (not the network or broadcast address), starting at `hint` so
 * successive allocations do not rescan from the start; undefined if the subnet is full.
 */
export function nextFreeAddress(
  subnet: Subnet,
  isTaken: (ip: number) => boolean,
  hint = subnet.base + 1,
): number | undefined {
  const first = subnet.base + 1;
  const last = subnet.base + sizeOf(subnet) - 2;
  if (last < first) return undefined;
  const span = last - first + 1;
  const start = hint < first || hint > last ? first : hint;
  for (let i = 0; i < span; i++) {
    const ip = first + ((start - first + i) % span);
    if (isTaken(ip)) continue;
    return ip;
  }
  return undefined;
}
