// Writes docs/parity-report.schema.json from the zod schema (test/harness/explore/report-schema.test.ts fails while it is stale).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parityReportJsonSchema } from '../harness/explore/report-schema.js';
import { REPO_ROOT } from '../harness/paths.js';

const file = path.join(REPO_ROOT, 'docs', 'parity-report.schema.json');
writeFileSync(file, parityReportJsonSchema());
console.log(`wrote ${path.relative(REPO_ROOT, file)}`);
