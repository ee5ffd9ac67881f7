// Where the repository is: the one fact about the file system every part of the harness may need.
import { fileURLToPath } from 'node:url';

/** The repository root (the directory holding package.json). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
