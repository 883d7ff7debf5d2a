// docker's timetypes.GetTimestamp: what `--since` / `--until` send to the daemon. A Go duration ("10m")
// counts back from now (whole seconds); a date or RFC 3339 time becomes "seconds.nanoseconds"; a Unix
// timestamp passes through.
import { parseGoDuration } from './units.js';

/** The local zone offset in minutes east of UTC at `at` (Go's time.FixedZone(reference.Zone())). */
function localOffsetMinutes(at: number): number {
  return -new Date(at).getTimezoneOffset();
}

interface Parsed {
  seconds: bigint;
  nanos: number;
}

/** Parses `value` with the layout GetTimestamp picks; undefined when it does not fit. */
function parseLayout(value: string, now: number): Parsed | undefined {
  const inLocation = !/[zZ+]/.test(value) && (value.match(/-/g) ?? []).length !== 3;
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?(Z|z|[+-]\d{2}:\d{2})?$/.exec(
      value,
    );
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  if (inLocation === (zone !== undefined)) return undefined;
  const hasDot = value.includes('.');
  const hasT = value.includes('T');
  // The layouts: a fraction needs the full time; "T" forms need the parts the colon count asks for.
  if (hasDot && (s === undefined || !hasT)) return undefined;
  if (!hasT && h !== undefined) return undefined;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return undefined;
  const utc = Date.UTC(Number(y), month - 1, day, hour, minute, second);
  let offset: number;
  if (zone === undefined) offset = localOffsetMinutes(now);
  else if (/[zZ]/.test(zone)) offset = 0;
  else offset = (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const millis = utc - offset * 60_000;
  return {
    seconds: BigInt(Math.floor(millis / 1000)),
    nanos: Number((frac ?? '').padEnd(9, '0')),
  };
}

/** timetypes.GetTimestamp(value, now). Throws with docker's message when `value` is neither. */
export function getTimestamp(value: string, now = Date.now()): string {
  if (value !== '0') {
    try {
      const nanos = parseGoDuration(value);
      const at = BigInt(now) * 1_000_000n - nanos;
      // time.Time.Unix(): whole seconds, rounded down.
      const seconds = at >= 0n ? at / 1_000_000_000n : (at - 999_999_999n) / 1_000_000_000n;
      return seconds.toString();
    } catch {
      // Not a duration.
    }
  }
  const parsed = parseLayout(value, now);
  if (parsed) return `${parsed.seconds}.${String(parsed.nanos).padStart(9, '0')}`;
  if (value.includes('-')) throw new Error(`parsing time ${JSON.stringify(value)}: cannot parse as a date`);
  if (!/^\d+(\.\d+)?$/.test(value)) {
    throw new Error(`failed to parse value as time or duration: ${JSON.stringify(value)}`);
  }
  return value;
}
