// Grouping of parity cases into worker requests, bounded by case count and tensor payload.
import type { WireCase, WireTensor } from './protocol.js';

function tensorChars(tensor: WireTensor | undefined): number {
  return tensor === undefined ? 0 : tensor.data.length;
}

/** Base64 characters of a case's tensors: the bulk of its request line. */
export function caseChars(wireCase: WireCase): number {
  let chars = tensorChars(wireCase.input) + tensorChars(wireCase.hx);
  chars += tensorChars(wireCase.grad?.output) + tensorChars(wireCase.grad?.h_n);
  if (wireCase.init !== undefined && 'state_dict' in wireCase.init) {
    for (const tensor of Object.values(wireCase.init.state_dict)) chars += tensorChars(tensor);
  }
  return chars;
}

/**
 * Collects cases into batches of at most `maxCases` cases and `maxChars` tensor characters; a single
 * case larger than `maxChars` still gets a batch of its own.
 */
export class BatchBuilder {
  private batch: WireCase[] = [];
  private chars = 0;

  constructor(
    private readonly maxCases: number,
    private readonly maxChars: number,
  ) {}

  /** Adds a case; returns the batch it closed when the case did not fit, else null. */
  add(wireCase: WireCase): WireCase[] | null {
    const size = caseChars(wireCase);
    const closed = this.batch.length > 0 && (this.batch.length >= this.maxCases || this.chars + size > this.maxChars) ? this.flush() : null;
    this.batch.push(wireCase);
    this.chars += size;
    return closed;
  }

  /** Closes and returns the open batch, or null when it is empty. */
  flush(): WireCase[] | null {
    if (this.batch.length === 0) return null;
    const batch = this.batch;
    this.batch = [];
    this.chars = 0;
    return batch;
  }
}

/** All cases as batches, in order. */
export function batchCases(cases: Iterable<WireCase>, maxCases: number, maxChars: number): WireCase[][] {
  const builder = new BatchBuilder(maxCases, maxChars);
  const batches: WireCase[][] = [];
  for (const wireCase of cases) {
    const closed = builder.add(wireCase);
    if (closed !== null) batches.push(closed);
  }
  const last = builder.flush();
  if (last !== null) batches.push(last);
  return batches;
}
