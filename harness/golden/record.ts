// Recording: runs cases (and the float64 shadows of float32 ones) through the torch worker and TS, and builds fixtures.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TorchBridge } from '../worker/bridge.js';
import type { Shadow } from '../parity/outcome.js';
import { caseFromDoc, caseToDoc, newFixture, type FastCheckOrigin, type Fixture, type FixtureOrigin, type ShrunkFrom } from './fixture.js';
import type { Outcome } from '../parity/outcome.js';
import { outcomeFromWire, runTs, shadowOf, toWireCase, type ParityCase } from '../parity/parity-case.js';
import type { CaseResult, Handshake } from '../worker/protocol.js';
import { REPO_ROOT } from '../paths.js';

/** `version` of package.json: the harness version every fixture's provenance names. */
export function harnessVersion(): string {
  return (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** torch's answers to one case: the case itself and, for a float32 case that ran, its float64 shadow. */
export interface TorchAnswer {
  readonly outcome: Outcome;
  readonly shadow: Shadow | null;
}

/** The worker gave no answer (crash, timeout, protocol error) where one was needed. */
export class NoAnswerError extends Error {
  override readonly name = 'NoAnswerError';
}

function answer(result: CaseResult, what: string): Outcome {
  const outcome = outcomeFromWire(result);
  if (outcome === null) {
    throw new NoAnswerError(`torch gave no answer for ${what}: ${result.status} (${result.error?.type ?? ''}: ${result.error?.message ?? ''})`);
  }
  return outcome;
}

/**
 * Runs every case through torch, with the float64 shadow of each float32 case in the same batch
 * stream. Results keep the input order; a case torch could not answer is `null` with the reason.
 */
export async function askTorch(bridge: TorchBridge, cases: readonly ParityCase[]): Promise<(TorchAnswer | { readonly noAnswer: string })[]> {
  const wire = cases.map((c, i) => toWireCase(c, `case-${i}`));
  const shadowIndex = new Map<number, number>();
  cases.forEach((c, i) => {
    if (c.dtype === 'float32') {
      shadowIndex.set(i, wire.length);
      wire.push(toWireCase(shadowOf(c), `shadow-${i}`));
    }
  });
  const results = await bridge.run(wire);
  return cases.map((_, i) => {
    try {
      const outcome = answer(results[i]!, `case ${i}`);
      const s = shadowIndex.get(i);
      if (s === undefined || outcome.error !== null) return { outcome, shadow: null };
      const shadowOutcome = answer(results[s]!, `the float64 shadow of case ${i}`);
      return { outcome, shadow: shadowOutcome.error === null ? shadowOutcome.tensors : null };
    } catch (error) {
      if (error instanceof NoAnswerError) return { noAnswer: error.message };
      throw error;
    }
  });
}

/** One case to record, with its one-line summary and origin. */
export interface RecordRequest {
  readonly case: ParityCase;
  readonly summary: string;
  readonly origin: FixtureOrigin;
  readonly fastCheck?: FastCheckOrigin | null;
  readonly shrunkFrom?: ShrunkFrom | null;
}

/**
 * Records fixtures: torch's answer and shadow from the bridge's worker, the TS answer, and the
 * worker's handshake as provenance.
 * @throws NoAnswerError when the worker cannot answer a case: a fixture never stores a non-answer.
 */
export async function recordFixtures(bridge: TorchBridge, requests: readonly RecordRequest[], recordedAt = new Date()): Promise<Fixture[]> {
  // torch sees the case exactly as the file will hold it (e.g. state_dict keys in sorted order, which
  // decides the order of keys in load_state_dict's messages), so replay asks the same question.
  const cases = requests.map((r) => caseFromDoc(caseToDoc(r.case)));
  const answers = await askTorch(bridge, cases);
  const handshake: Handshake = bridge.handshake;
  const version = harnessVersion();
  return requests.map((request, i) => {
    const torch = answers[i]!;
    if ('noAnswer' in torch) throw new NoAnswerError(`${request.summary}: ${torch.noAnswer}`);
    return newFixture({
      summary: request.summary,
      origin: request.origin,
      case: cases[i]!,
      expected: torch.outcome,
      shadow: torch.shadow,
      tsAtRecord: runTs(cases[i]!),
      handshake,
      harnessVersion: version,
      recordedAt,
      fastCheck: request.fastCheck ?? null,
      shrunkFrom: request.shrunkFrom ?? null,
    });
  });
}
