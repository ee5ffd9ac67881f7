// The worker's stdout as frames: JSON lines, each followed by its raw tensor payload when it carries one (Note [tensor payloads] in python/worker.py).

/** A frame line that carries tensors starts with this and names its payload's length. */
const PAYLOAD_PREFIX = /^\{"payload":(\d+),/;

/** One line of stdout and, when the line announced one, the payload bytes that followed it. */
export interface RawFrame {
  readonly line: string;
  readonly payload: Buffer | null;
}

const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);

/**
 * Splits a byte stream into frames in linear time: chunks are scanned once and a multi-megabyte
 * payload is gathered as slices, concatenated once. Lines are UTF-8.
 */
export class FrameReader {
  private lineParts: Buffer[] = [];
  /** The line whose payload is still arriving, or null. */
  private header: string | null = null;
  private payloadParts: Buffer[] = [];
  private payloadMissing = 0;

  constructor(
    private readonly deliver: (frame: RawFrame) => void,
    private readonly garbage: (text: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.header !== null) {
        const take = Math.min(this.payloadMissing, chunk.length - at);
        this.payloadParts.push(chunk.subarray(at, at + take));
        at += take;
        this.payloadMissing -= take;
        if (this.payloadMissing === 0) {
          const line = this.header;
          const payload = this.payloadParts.length === 1 ? this.payloadParts[0]! : Buffer.concat(this.payloadParts);
          this.header = null;
          this.payloadParts = [];
          this.deliver({ line, payload });
        }
        continue;
      }
      const end = chunk.indexOf(NEWLINE, at);
      if (end === -1) {
        this.lineParts.push(chunk.subarray(at));
        return;
      }
      this.lineParts.push(chunk.subarray(at, end));
      at = end + 1;
      this.completeLine();
    }
  }

  /** The stream ended: a last line without its newline is delivered as it is; a payload cut short is garbage. */
  end(): void {
    if (this.header !== null) {
      const got = this.payloadParts.reduce((sum, part) => sum + part.length, 0);
      this.garbage(
        `${this.header.slice(0, 500)} [stdout ended ${this.payloadMissing} bytes short of this frame's ${got + this.payloadMissing}-byte payload]`,
      );
      this.header = null;
      this.payloadParts = [];
    } else if (this.lineParts.length > 0) {
      this.completeLine();
    }
  }

  private completeLine(): void {
    const line = (this.lineParts.length === 1 ? this.lineParts[0]! : Buffer.concat(this.lineParts)).toString('utf8');
    this.lineParts = [];
    const announced = PAYLOAD_PREFIX.exec(line);
    if (announced === null) {
      this.deliver({ line, payload: null });
    } else if (Number(announced[1]) === 0) {
      this.deliver({ line, payload: EMPTY });
    } else {
      this.header = line;
      this.payloadMissing = Number(announced[1]);
    }
  }
}

/** Wire tensors' `data`, [offset, length] in a frame's JSON, as the payload's bytes. */
function isTensorRef(value: unknown): value is [number, number] {
  return (
    Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && Number.isSafeInteger(value[1]) && value[0] >= 0 && value[1] >= 0
  );
}

/**
 * Points every wire tensor of a parsed frame at its bytes in `payload`, in place.
 * @returns false when a reference falls outside the payload (the frame cannot be trusted).
 */
export function attachPayload(value: unknown, payload: Buffer): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every((item) => attachPayload(item, payload));
  const record = value as Record<string, unknown>;
  if (typeof record.dtype === 'string' && Array.isArray(record.shape) && isTensorRef(record.data)) {
    const [offset, length] = record.data;
    if (offset + length > payload.length) return false;
    // A plain Uint8Array view, not a Buffer: a result's tensor may be sent back in a request (requestChunks).
    record.data = new Uint8Array(payload.buffer, payload.byteOffset + offset, length);
    return true;
  }
  return Object.values(record).every((item) => attachPayload(item, payload));
}

/**
 * A request as its bytes on stdin: the JSON line, with every Uint8Array (a wire tensor's data) sent
 * raw in the payload after it and referenced as [offset, length].
 */
export function requestChunks(request: object): (string | Uint8Array)[] {
  const blobs: Uint8Array[] = [];
  let offset = 0;
  // JSON.stringify calls a Buffer's toJSON before the replacer sees it: wire tensors hold plain Uint8Arrays.
  const text = JSON.stringify(request, (_key, value: unknown) => {
    if (!(value instanceof Uint8Array)) return value;
    blobs.push(value);
    const ref = [offset, value.byteLength];
    offset += value.byteLength;
    return ref;
  });
  if (blobs.length === 0) return [`${text}\n`];
  return [`{"payload":${offset},${text.slice(1)}\n`, ...blobs];
}
