// src/ runs in browsers too: no file in it may import a Node-only module.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const NODE_ONLY = /from\s+['"](node:[^'"]+|fs|path|os|child_process|worker_threads|crypto|buffer|url|util|stream)(\/[^'"]*)?['"]/;

describe('src/ is isomorphic', () => {
  it.each(readdirSync(SRC).filter((f) => f.endsWith('.ts')))('%s imports no Node-only module and uses no Buffer or process', (file) => {
    const text = readFileSync(path.join(SRC, file), 'utf8');
    expect(text).not.toMatch(NODE_ONLY);
    expect(text).not.toMatch(/\bBuffer\.|\bprocess\.(env|argv|exit)/);
  });
});
