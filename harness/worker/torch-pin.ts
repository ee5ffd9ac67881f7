// The pinned torch: parsing `torch==X.Y.Z` requirements, and the version python/requirements.txt pins.
import { readFileSync } from 'node:fs';
import { REQUIREMENTS_FILE } from './python-env.js';

const PINNED_TORCH = /^torch\s*==\s*([0-9][0-9A-Za-z.!+_-]*)$/;

/** A torch requirement pinned to one version. */
export interface TorchPin {
  /** The spec as pip receives it, e.g. `torch==2.13.0`. */
  readonly spec: string;
  /** The pinned version, e.g. `2.13.0` (a local label such as `+cpu` is kept if given). */
  readonly version: string;
}

/**
 * Accepts only `torch==<version>`: an unpinned or ranged torch would pull a multi-GB CUDA build.
 * @throws Error naming the offending spec and the accepted form.
 */
export function parseTorchPin(spec: string, origin: string): TorchPin {
  const match = PINNED_TORCH.exec(spec.trim());
  if (match === null || match[1]!.includes('*')) {
    throw new Error(
      `${origin} gives ${JSON.stringify(spec)}, which is not a pinned torch requirement. ` +
        'Use an exact pin such as `torch==2.13.0`: an unpinned torch resolves to a multi-GB CUDA build.',
    );
  }
  return { spec: `torch==${match[1]!}`, version: match[1]! };
}

/** Requirement lines of a requirements file, comments and blanks removed. */
export function requirementLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '');
}

/** Whether a requirement line is torch's own (not torchvision etc.). */
export function isTorchLine(line: string): boolean {
  return /^torch(?![A-Za-z0-9_.-])/.test(line);
}

/**
 * The torch version python/requirements.txt pins (ignoring RNN_PARITY_TORCH_SPEC): the torch whose
 * exact messages the library follows.
 */
export function pinnedTorchVersion(requirementsText = readFileSync(REQUIREMENTS_FILE, 'utf8')): string {
  const torchLines = requirementLines(requirementsText).filter(isTorchLine);
  if (torchLines.length !== 1) throw new Error(`python/requirements.txt must name torch exactly once, found ${torchLines.length} torch lines`);
  return parseTorchPin(torchLines[0]!, 'python/requirements.txt').version;
}
