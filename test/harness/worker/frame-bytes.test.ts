// The worker's frame writer (Note [tensor data in frames]): tensor bytes spliced into the JSON text give the frame json.dumps would give.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../harness/paths.js';
import { resolvePython } from '../../../harness/worker/python-env.js';

/** Runs `frame_bytes` on frames built in Python and returns each frame's text. */
function framesFrom(pythonFrames: string): string[] {
  const script = [
    'import sys',
    `sys.path.insert(0, ${JSON.stringify(path.join(REPO_ROOT, 'python'))})`,
    'import worker',
    'from worker import Base64Data as B',
    `for frame in ${pythonFrames}:`,
    '    worker._FRAMES.write(worker.frame_bytes(frame) + b"\\n")',
    'worker._FRAMES.flush()',
  ].join('\n');
  const child = spawnSync(resolvePython().path, ['-c', script], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(child.stderr);
  return child.stdout.trimEnd().split('\n');
}

describe('frame_bytes', () => {
  it('splices each tensor’s base64 where it stands, in document order, beside any other JSON', () => {
    const [frame] = framesFrom(
      `[{'id': 3, 'results': [{'a': B(b'AAAA'), 'msg': 'x\\u00e9"\\\\', 'n': [1.5, None, True]}, {'b': B(b'')}, B(b'/+8=')]}]`,
    );
    expect(JSON.parse(frame!)).toEqual({ id: 3, results: [{ a: 'AAAA', msg: 'xé"\\', n: [1.5, null, true] }, { b: '' }, '/+8='] });
    expect(frame).toMatch(/^[\x20-\x7e]*$/);
  });

  it('a string of the frame shaped like a placeholder is kept as itself (the plain path)', () => {
    const [collide, literal] = framesFrom(`[{'x': '\\ue0000', 't': B(b'QUJD')}, {'m': '\\\\ue0000', 't': B(b'QUJD')}]`);
    expect(JSON.parse(collide!)).toEqual({ x: '\ue0000', t: 'QUJD' });
    expect(JSON.parse(literal!)).toEqual({ m: '\\ue0000', t: 'QUJD' });
  });

  it('a value JSON cannot hold is still an error, as json.dumps raises it', () => {
    expect(() => framesFrom(`[{'x': object()}]`)).toThrow(/Object of type object is not JSON serializable/);
    expect(() => framesFrom(`[{'x': float('nan')}]`)).toThrow(/Out of range float values are not JSON compliant/);
  });
});
