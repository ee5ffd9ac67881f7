// Frames with raw tensor payloads (Note [tensor payloads] in python/worker.py): the worker's writer and the bridge's reader agree, however stdout is chunked.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../harness/paths.js';
import { FrameReader, type RawFrame, attachPayload, requestChunks } from '../../../harness/worker/frame-reader.js';
import { resolvePython } from '../../../harness/worker/python-env.js';

/** The bytes `frame_chunks` writes for frames built in Python. */
function pythonFrameBytes(pythonFrames: string): Buffer {
  const script = [
    'import sys',
    `sys.path.insert(0, ${JSON.stringify(path.join(REPO_ROOT, 'python'))})`,
    'import worker',
    'from worker import RawData as R',
    `for frame in ${pythonFrames}:`,
    '    worker._FRAMES.writelines(worker.frame_chunks(frame))',
    'worker._FRAMES.flush()',
  ].join('\n');
  const child = spawnSync(resolvePython().path, ['-c', script]);
  if (child.status !== 0) throw new Error(child.stderr.toString());
  return child.stdout;
}

/** Everything a reader delivers for `bytes` fed in chunks of `size` (then the end of the stream). */
function read(bytes: Uint8Array, size: number): { frames: RawFrame[]; garbage: string[] } {
  const frames: RawFrame[] = [];
  const garbage: string[] = [];
  const reader = new FrameReader(
    (frame) => frames.push(frame),
    (text) => garbage.push(text),
  );
  for (let at = 0; at < bytes.length; at += size) reader.push(Buffer.from(bytes.subarray(at, at + size)));
  reader.end();
  return { frames, garbage };
}

/** A frame as the bridge sees it: parsed, its tensors pointed at their payload bytes. */
function parsed(frame: RawFrame): unknown {
  const value: unknown = JSON.parse(frame.line);
  if (frame.payload !== null) expect(attachPayload(value, frame.payload)).toBe(true);
  return value;
}

const bytesOf = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe('frame payloads', () => {
  it("the worker's frames read back whole, with each tensor's bytes, at every chunking (payload bytes include newlines)", () => {
    const written = pythonFrameBytes(
      "[{'id': 1}, {'id': 2, 'results': [{'out': {'dtype': 'uint8', 'shape': [3], 'data': R(b'\\n\\x00\\n')}, 'msg': 'x\\u00e9\"'}, " +
        "{'h': {'dtype': 'int16', 'shape': [0], 'data': R(b'')}}]}, {'id': 3, 'error': None}]",
    );
    for (const size of [1, 2, 3, 7, 64, written.length]) {
      const { frames, garbage } = read(written, size);
      expect(garbage).toEqual([]);
      expect(frames.map(parsed)).toEqual([
        { id: 1 },
        {
          payload: 3,
          id: 2,
          results: [
            { out: { dtype: 'uint8', shape: [3], data: bytesOf(10, 0, 10) }, msg: 'xé"' },
            { h: { dtype: 'int16', shape: [0], data: bytesOf() } },
          ],
        },
        { id: 3, error: null },
      ]);
    }
  });

  it('a value JSON cannot hold is still an error, as json.dumps raises it', () => {
    expect(() => pythonFrameBytes(`[{'x': object()}]`)).toThrow(/Object of type object is not JSON serializable/);
    expect(() => pythonFrameBytes(`[{'x': float('nan')}]`)).toThrow(/Out of range float values are not JSON compliant/);
  });

  it("a request's tensor bytes go raw after its line and read back where they stood", () => {
    const request = {
      id: 7,
      op: 'echo',
      tensors: [
        { dtype: 'uint8', shape: [2], data: bytesOf(10, 13) },
        { dtype: 'uint8', shape: [1], data: 'AA==' },
      ],
    };
    const sent = Buffer.concat(requestChunks(request).map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)));
    const { frames } = read(sent, 5);
    expect(frames).toHaveLength(1);
    expect(parsed(frames[0]!)).toEqual({
      payload: 2,
      id: 7,
      op: 'echo',
      tensors: [{ dtype: 'uint8', shape: [2], data: bytesOf(10, 13) }, request.tensors[1]],
    });
    expect(requestChunks({ id: 8, op: 'ping' })).toEqual(['{"id":8,"op":"ping"}\n']);
  });

  it('a payload cut short by the end of stdout is garbage, and a last line without its newline is delivered', () => {
    const cut = read(Buffer.from('{"id":1}\n{"payload":10,"id":2}\nabc'), 4);
    expect(cut.frames.map((f) => f.line)).toEqual(['{"id":1}']);
    expect(cut.garbage).toEqual(['{"payload":10,"id":2} [stdout ended 7 bytes short of this frame\'s 10-byte payload]']);
    const partial = read(Buffer.from('{"id":1}\n\u0000garbage {]'), 3);
    expect(partial.frames.map((f) => f.line)).toEqual(['{"id":1}', '\u0000garbage {]']);
  });

  it('a tensor reference beyond its payload makes the frame untrusted', () => {
    expect(attachPayload({ r: { dtype: 'float32', shape: [1], data: [0, 4] } }, Buffer.alloc(4))).toBe(true);
    expect(attachPayload({ r: [{ dtype: 'float32', shape: [1], data: [2, 4] }] }, Buffer.alloc(4))).toBe(false);
  });
});
