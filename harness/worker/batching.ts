// Grouping of parity cases into worker requests, bounded by case count and tensor payload.
import type { WireCase, WireTensor } from './protocol.js';

function tensorBytes(tensor: WireTensor | undefined): number {
  return tensor === undefined ? 0 : tensor.data.length;
}

/** Bytes of a case's tensors, the bulk of its request (a base64 tensor counts its characters). */
export function caseBytes(wireCase: WireCase): number {
  let bytes = tensorBytes(wireCase.input) + tensorBytes(wireCase.hx) + tensorBytes(wireCase.cx);
  bytes += tensorBytes(wireCase.grad?.output) + tensorBytes(wireCase.grad?.h_n) + tensorBytes(wireCase.grad?.c_n);
  if (wireCase.init !== undefined && 'state_dict' in wireCase.init) {
    for (const tensor of Object.values(wireCase.init.state_dict)) bytes += tensorBytes(tensor);
  }
  return bytes;
}

/**
 * Collects cases into batches of at most `maxCases` cases and `maxBytes` tensor bytes; a single
 * case larger than `maxBytes` still gets a batch of its own.
 */
export class BatchBuilder {
  private batch: WireCase[] = [];
  private bytes = 0;

  constructor(
    private readonly maxCases: number,
    private readonly maxBytes: number,
  ) {}

  /** Adds a case; returns the batch it closed when the case did not fit, else null. */
  add(wireCase: WireCase): WireCase[] | null {
    const size = caseBytes(wireCase);
    const closed = this.batch.length > 0 && (this.batch.length >= this.maxCases || this.bytes + size > this.maxBytes) ? this.flush() : null;
    this.batch.push(wireCase);
    this.bytes += size;
    return closed;
  }

  /** Closes and returns the open batch, or null when it is empty. */
  flush(): WireCase[] | null {
    if (this.batch.length === 0) return null;
    const batch = this.batch;
    this.batch = [];
    this.bytes = 0;
    return batch;
  }
}

/** All cases as batches, in order. */
export function batchCases(cases: Iterable<WireCase>, maxCases: number, maxBytes: number): WireCase[][] {
  const builder = new BatchBuilder(maxCases, maxBytes);
  const batches: WireCase[][] = [];
  for (const wireCase of cases) {
    const closed = builder.add(wireCase);
    if (closed !== null) batches.push(closed);
  }
  const last = builder.flush();
  if (last !== null) batches.push(last);
  return batches;
}
