// Human-readable sizes and durations as docker's go-units prints and parses them, and Go's time.Duration.

const decimalAbbrs = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const binaryAbbrs = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function scale(size: number, base: number, abbrs: string[]): [number, string] {
  let i = 0;
  while (size >= base && i < abbrs.length - 1) {
    size /= base;
    i++;
  }
  return [size, abbrs[i]!];
}

/** Go's `%.<precision>g` formatting of a float (trailing zeros removed, exponent when Go would use one). */
export function formatFloatG(value: number, precision: number): string {
  if (value === 0) return '0';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : Number.isNaN(value) ? 'NaN' : '-Inf';
  const exp = Number(value.toExponential(precision - 1).split('e')[1]);
  if (exp < -4 || exp >= precision) {
    const [mantissa, e] = value.toExponential(precision - 1).split('e') as [string, string];
    return `${stripZeros(mantissa)}e${goExponent(Number(e))}`;
  }
  return stripZeros(value.toFixed(Math.max(0, precision - 1 - exp)));
}

/** Go's `%v` formatting of a float64 (shortest representation; exponent from 1e+06 or below 1e-4). */
export function formatFloatV(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : Number.isNaN(value) ? 'NaN' : '-Inf';
  const [mantissa, e] = value.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mantissa}e${goExponent(exp)}`;
  return String(value);
}

function goExponent(exp: number): string {
  const sign = exp < 0 ? '-' : '+';
  const digits = String(Math.abs(exp));
  return sign + (digits.length < 2 ? `0${digits}` : digits);
}

function stripZeros(text: string): string {
  if (!text.includes('.')) return text;
  return text.replace(/\.?0+$/, '');
}

/** go-units HumanSize: decimal units, 4 significant digits ("2.746MB", "796kB"). */
export function humanSize(size: number): string {
  return humanSizeWithPrecision(size, 4);
}

/** go-units HumanSizeWithPrecision: decimal units, `precision` significant digits. */
export function humanSizeWithPrecision(size: number, precision: number): string {
  const [value, unit] = scale(size, 1000, decimalAbbrs);
  return formatFloatG(value, precision) + unit;
}

/** go-units BytesSize: binary units, 4 significant digits ("44KiB", "17MiB"). */
export function bytesSize(size: number): string {
  const [value, unit] = scale(size, 1024, binaryAbbrs);
  return formatFloatG(value, 4) + unit;
}

function parseSize(text: string, base: number): number {
  const sep = Math.max(...[...'01234567890. '].map((ch) => text.lastIndexOf(ch)));
  if (sep === -1) throw new Error(`invalid size: '${text}'`);
  const num = text[sep] === ' ' ? text.slice(0, sep) : text.slice(0, sep + 1);
  let suffix = text.slice(sep + 1);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(num)) {
    throw new Error(`strconv.ParseFloat: parsing ${goQuote(num)}: invalid syntax`);
  }
  let size = Number(num);
  if (size < 0) throw new Error(`invalid size: '${text}'`);
  if (suffix === '') return Math.trunc(size);
  const badSuffix = () => new Error(`invalid suffix: '${suffix}'`);
  if (suffix.length > 3) throw badSuffix();
  suffix = suffix.toLowerCase();
  if (suffix[0] === 'b') {
    if (suffix.length > 1) throw badSuffix();
    return Math.trunc(size);
  }
  const power = 'kmgtp'.indexOf(suffix[0]!) + 1;
  if (power === 0) throw badSuffix();
  size *= base ** power;
  if ((suffix.length === 2 && suffix[1] !== 'b') || (suffix.length === 3 && suffix.slice(1) !== 'ib')) {
    throw badSuffix();
  }
  return Math.trunc(size);
}

/** go-units RAMInBytes: "20m" -> 20971520 (binary units, case-insensitive, optional "b"). */
export function ramInBytes(text: string): number {
  return parseSize(text, 1024);
}

/** go-units FromHumanSize: "44kB" -> 44000 (decimal units). */
export function fromHumanSize(text: string): number {
  return parseSize(text, 1000);
}

const second = 1e9;
const maxDurationNanos = 2 ** 63 - 1;

/** go-units HumanDuration: "Less than a second", "5 seconds", "About a minute", ... */
export function humanDuration(nanoseconds: number): string {
  const seconds = Math.trunc(nanoseconds / second);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(nanoseconds / (60 * second));
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(nanoseconds / (3600 * second) + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(nanoseconds / (3600 * second)) / 24 / 365)} years`;
}

/** Nanoseconds elapsed since an RFC 3339 timestamp (as Go's time.Since). */
export function sinceNanos(timestamp: string | undefined, now: number = Date.now()): number {
  const parsed = timestamp ? parseGoTime(timestamp) : undefined;
  // Go's zero time (year 1) is so far back that time.Since saturates at the largest duration.
  if (!parsed || parsed.millis < -62135596800000 + 1000) return maxDurationNanos;
  return Math.min(maxDurationNanos, (now - parsed.millis) * 1e6 - parsed.subMillisNanos);
}

/** A parsed RFC 3339 timestamp keeping the precision JavaScript dates lose. */
export interface GoTime {
  millis: number;
  subMillisNanos: number;
  /** Fractional seconds as written, without the dot ("126" for .126). */
  fraction: string;
  /** Offset in minutes east of UTC, or undefined for "Z". */
  offsetMinutes: number | undefined;
}

/** Parses an RFC 3339 (nano) timestamp as Go's time.Time JSON decoding does. */
export function parseGoTime(text: string): GoTime | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!match) return undefined;
  const fraction = match[7] ?? '';
  const zone = match[8]!;
  const offsetMinutes =
    zone === 'Z'
      ? undefined
      : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4)));
  const date = new Date(0);
  date.setUTCFullYear(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  date.setUTCHours(Number(match[4]), Number(match[5]), Number(match[6]), 0);
  const base = date.getTime();
  const nanos = Number(fraction.padEnd(9, '0').slice(0, 9) || '0');
  return {
    millis: base - (offsetMinutes ?? 0) * 60000 + Math.floor(nanos / 1e6),
    subMillisNanos: nanos % 1e6,
    fraction,
    offsetMinutes,
  };
}

/** Go's time.Time.String(): "2026-11-24 18:07:22.126 +0000 UTC". */
export function goTimeString(text: string): string {
  const time = parseGoTime(text);
  if (!time) return '0001-01-01 00:00:00 +0000 UTC';
  const offset = time.offsetMinutes ?? 0;
  const local = new Date(time.millis - (time.millis % 1000) + offset * 60000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const fraction = time.fraction.slice(0, 9).replace(/0+$/, '');
  const sign = offset < 0 ? '-' : '+';
  const zone = `${sign}${pad(Math.trunc(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`;
  const zoneName = time.offsetMinutes === undefined ? 'UTC' : zone;
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `${fraction ? `.${fraction}` : ''} ${zone} ${zoneName}`
  );
}

const durationUnits: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1000000n,
  s: 1000000000n,
  m: 60000000000n,
  h: 3600000000000n,
};

/** Go's quoting of a string as %q does (for the ASCII cases that matter in messages). */
export function goQuote(text: string): string {
  return JSON.stringify(text).replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => `\\u${hex}`);
}

/** Go's time.ParseDuration: "1h30m", "5s", "250ms"; returns nanoseconds. */
export function parseGoDuration(text: string): bigint {
  const original = text;
  const invalid = () => new Error(`time: invalid duration ${goQuote(original)}`);
  let negative = false;
  if (text !== '' && (text[0] === '-' || text[0] === '+')) {
    negative = text[0] === '-';
    text = text.slice(1);
  }
  if (text === '0') return 0n;
  if (text === '') throw invalid();
  let total = 0n;
  while (text !== '') {
    const match = /^(\d*)(\.(\d*))?/.exec(text)!;
    const whole = match[1]!;
    const fraction = match[3] ?? '';
    if (whole === '' && fraction === '') throw invalid();
    text = text.slice(match[0].length);
    const unitMatch = /^[^\d.]*/.exec(text)!;
    const unit = unitMatch[0];
    if (unit === '') throw new Error(`time: missing unit in duration ${goQuote(original)}`);
    const scaleFactor = durationUnits[unit];
    if (scaleFactor === undefined) {
      throw new Error(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(original)}`);
    }
    text = text.slice(unit.length);
    let value = BigInt(whole || '0') * scaleFactor;
    if (fraction !== '') {
      value += (BigInt(fraction) * scaleFactor) / 10n ** BigInt(fraction.length);
    }
    total += value;
    if (total > 9223372036854775807n) throw invalid();
  }
  return negative ? -total : total;
}

function formatFraction(value: bigint, precision: number): [string, bigint] {
  let digits = '';
  let printed = false;
  for (let i = 0; i < precision; i++) {
    const digit = value % 10n;
    printed ||= digit !== 0n;
    if (printed) digits = digit.toString() + digits;
    value /= 10n;
  }
  return [printed ? `.${digits}` : '', value];
}

/** Go's time.Duration.String(): 5s, 1m30s, 2160h0m0s, 250ms, 0s. */
export function formatGoDuration(nanoseconds: bigint | number): string {
  let value = BigInt(nanoseconds);
  const negative = value < 0n;
  if (negative) value = -value;
  let text: string;
  if (value < 1000000000n) {
    if (value === 0n) return '0s';
    let unit: string;
    let precision: number;
    if (value < 1000n) [unit, precision] = ['ns', 0];
    else if (value < 1000000n) [unit, precision] = ['µs', 3];
    else [unit, precision] = ['ms', 6];
    const [fraction, whole] = formatFraction(value, precision);
    text = `${whole}${fraction}${unit}`;
  } else {
    const [fraction, seconds] = formatFraction(value, 9);
    text = `${seconds % 60n}${fraction}s`;
    const minutes = seconds / 60n;
    if (minutes > 0n) {
      text = `${minutes % 60n}m${text}`;
      const hours = minutes / 60n;
      if (hours > 0n) text = `${hours}h${text}`;
    }
  }
  return negative ? `-${text}` : text;
}

/** The first 12 characters of an id, as docker's TruncateID. */
export function truncateId(id: string): string {
  const colon = id.indexOf(':');
  if (colon >= 0) id = id.slice(colon + 1);
  return id.length > 12 ? id.slice(0, 12) : id;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** fvbommel/sortorder NaturalLess: "web.2" < "web.10". Compares UTF-16 units; ids and names are ASCII. */
export function naturalLess(a: string, b: string): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    const da = isDigit(ca);
    const db = isDigit(cb);
    if (da !== db) return da;
    if (!da) {
      if (ca !== cb) return ca < cb;
      i++;
      j++;
      continue;
    }
    while (i < a.length && a[i] === '0') i++;
    while (j < b.length && b[j] === '0') j++;
    const startA = i;
    const startB = j;
    while (i < a.length && isDigit(a.charCodeAt(i))) i++;
    while (j < b.length && isDigit(b.charCodeAt(j))) j++;
    if (i - startA !== j - startB) return i - startA < j - startB;
    const na = a.slice(startA, i);
    const nb = b.slice(startB, j);
    if (na !== nb) return na < nb;
    if (startA !== startB) return startA < startB;
  }
  return a.length < b.length;
}

/** Comparator for Array.prototype.sort built on naturalLess. */
export function naturalCompare(a: string, b: string): number {
  if (naturalLess(a, b)) return -1;
  if (naturalLess(b, a)) return 1;
  return 0;
}

/** Display width of one code point: 2 for East Asian wide and full-width characters. */
export function charWidth(code: number): number {
  if (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** Display width of a string in terminal columns. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch.codePointAt(0)!);
  return width;
}

/** docker's formatter.Ellipsis: cut to a display width, ending in "…". */
export function ellipsis(text: string, maxWidth: number): string {
  if (maxWidth <= 0) return '';
  const chars = [...text];
  if (maxWidth === 1) return chars[0] ?? '';
  if (displayWidth(text) <= maxWidth) return text;
  let width = 0;
  let out = '';
  for (const ch of chars) {
    const w = charWidth(ch.codePointAt(0)!);
    if (width + w > maxWidth - 1) break;
    width += w;
    out += ch;
  }
  return `${out}…`;
}

/** docker's formatter.PrettyPrint of a string: first letter upper case, the rest lower case. */
export function prettyPrint(text: string | undefined | null): string {
  if (text === undefined || text === null) return 'None';
  if (text.length === 0) return text;
  if (text.length === 1) return text.toLowerCase();
  return text[0]!.toUpperCase() + text.slice(1).toLowerCase();
}
