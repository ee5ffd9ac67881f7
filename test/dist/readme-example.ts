// The README's library example ("Using the library"), as the consumer projects and the browser run it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The first ```ts block after "## Using the library" in README.md, verbatim. */
export function readmeExample(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Using the library'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (match === null) throw new Error('README.md: no ```ts block under "## Using the library"');
  return match[1]!;
}

/** The example's import line turned into a require, for a CommonJS project. */
export function asCommonJs(example: string): string {
  return example.replace(/^import \{([^}]*)\} from 'rnn-parity';$/m, "const {$1} = require('rnn-parity');");
}

/**
 * Appended to the example: prints what it computed, so every consumer's run can be compared with
 * the others and with src/ run in-process. Names are the README's own variables.
 */
export const REPORT = `
console.log(JSON.stringify({
  output: Array.from(output.data), hN: Array.from(hN.data),
  packedOut: Array.from(packedOut.data.data), hNPacked: Array.from(hNPacked.data),
  gradInput: Array.from(gradInput.data), gradHx: Array.from(gradHx.data),
  gradWeightIh: Array.from(grads.weight_ih_l0.data), warnings: warnings.length,
}));
`;
