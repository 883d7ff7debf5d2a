// Just enough DER reading to take fields Node's X509Certificate does not expose (the raw subject Name).

interface Element {
  tag: number;
  /** The whole element: tag, length and contents. */
  raw: Buffer;
  contents: Buffer;
}

function readElement(buffer: Buffer, offset: number): Element {
  if (offset + 2 > buffer.length) throw new Error('truncated DER');
  const tag = buffer[offset]!;
  let length = buffer[offset + 1]!;
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || offset + 2 + count > buffer.length) throw new Error('bad DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buffer[offset + 2 + i]!;
    header += count;
  }
  const end = offset + header + length;
  if (end > buffer.length) throw new Error('truncated DER');
  return { tag, raw: buffer.subarray(offset, end), contents: buffer.subarray(offset + header, end) };
}

function children(element: Element): Element[] {
  const result: Element[] = [];
  for (let offset = 0; offset < element.contents.length; ) {
    const child = readElement(element.contents, offset);
    result.push(child);
    offset += child.raw.length;
  }
  return result;
}

const SEQUENCE = 0x30;
const EXPLICIT_VERSION = 0xa0;

/** The DER-encoded issuer and subject Names of a DER certificate, byte for byte as signed. */
export function certificateNames(certificate: Buffer): { issuer: Buffer; subject: Buffer } {
  const outer = readElement(certificate, 0);
  const tbs = children(outer)[0];
  if (outer.tag !== SEQUENCE || tbs?.tag !== SEQUENCE) throw new Error('not a DER certificate');
  const fields = children(tbs);
  const start = fields[0]?.tag === EXPLICIT_VERSION ? 1 : 0;
  // serialNumber, signature, issuer, validity, subject
  const issuer = fields[start + 2];
  const subject = fields[start + 4];
  if (issuer?.tag !== SEQUENCE || subject?.tag !== SEQUENCE) throw new Error('not a DER certificate');
  return { issuer: issuer.raw, subject: subject.raw };
}
