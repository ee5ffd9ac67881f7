// The house layering rules, checked by `pnpm lint:arch` (and by test/harness/architecture.test.ts in `pnpm test`).
// Data flows one way: front doors (harness/cli.ts, harness/golden-cli.ts, harness/command-line.ts)
// → drift → golden / explore → api → parity → worker → paths, and everything → src/.

/** Harness parts from lowest to highest; a part may import only parts below it (and itself). */
const LAYERS = ['worker', 'parity', 'api', 'golden', 'explore', 'drift'];

const upward = LAYERS.flatMap((part, rank) => {
  const higher = LAYERS.slice(rank + 1);
  if (higher.length === 0) return [];
  return [
    {
      name: `no-upward-import-from-${part}`,
      comment: `harness/${part}/ sits below ${higher.map((h) => `harness/${h}/`).join(', ')}: it must not import them (data flows one way).`,
      severity: 'error',
      from: { path: `^harness/${part}/` },
      to: { path: `^harness/(${higher.join('|')})/` },
    },
  ];
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import loop, type-only imports included: a type two parts share lives below both.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-imports-only-src',
      comment: 'src/ is the library: it imports nothing outside src/ (no harness, no test, no package).',
      severity: 'error',
      from: { path: '^src/' },
      to: { pathNot: '^src/' },
    },
    {
      name: 'src-is-isomorphic',
      comment: 'src/ runs in browsers too: no Node built-in modules.',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'harness-parts-import-no-front-door',
      comment: 'Only the front doors import the front doors.',
      severity: 'error',
      from: { path: '^harness/(worker|parity|api|golden|explore|drift)/' },
      to: { path: '^harness/(cli|golden-cli|command-line)\\.ts$' },
    },
    {
      name: 'harness-and-src-import-no-tests-or-bench',
      comment: 'Tests and benchmarks sit on top; nothing below imports them.',
      severity: 'error',
      from: { path: '^(src|harness)/' },
      to: { path: '^(test|bench)/' },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a loop through types is still a loop in the design.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js'] },
    exclude: { path: '(^|/)node_modules/|^dist/' },
  },
};
