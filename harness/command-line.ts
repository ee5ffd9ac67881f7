// What both front doors share: commander set up to parse → validate → run, one-line usage errors, readable expected failures.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, CommanderError, InvalidArgumentError } from 'commander';
import { FixtureFormatError } from './golden/fixture-schema.js';
import { PythonNotFoundError } from './worker/python-env.js';
import { WorkerStartError } from './worker/process.js';

/** What a command line asks for: run something, or stop at once with an exit code and text. */
export type Parsed<T> =
  | { readonly kind: 'run'; readonly run: T }
  | { readonly kind: 'exit'; readonly code: number; readonly stdout: string; readonly stderr: string };

/**
 * Parses `argv` with `program` without touching the process: commander's help goes to stdout with
 * exit 0, a usage error (unknown flag, missing or unknown command, a value that does not parse) to
 * stderr as one line plus the usage, with exit 2. `build` must attach actions that call `select`.
 */
export function parseCommandLine<T>(argv: readonly string[], build: (select: (run: T) => void) => Command): Parsed<T> {
  let chosen: T | null = null;
  let stdout = '';
  let stderr = '';
  const program = build((run) => {
    chosen = run;
  });
  const configure = (command: Command): void => {
    command.exitOverride();
    command.configureOutput({
      writeOut: (text) => {
        stdout += text;
      },
      writeErr: (text) => {
        stderr += text;
      },
      outputError: (text, write) => write(text),
    });
    command.showHelpAfterError(false);
    for (const sub of command.commands) configure(sub);
  };
  configure(program);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return { kind: 'exit', code: 0, stdout, stderr };
    // Anything else — commander.help (no command given), an unknown flag or command, a value that
    // does not parse — is a usage error: its one line, then the usage.
    const line = stderr.trim() === '' || error.code === 'commander.help' ? 'error: missing command' : stderr.trim();
    return { kind: 'exit', code: 2, stdout: '', stderr: `${line}\n\n${program.helpInformation()}` };
  }
  if (chosen === null) return { kind: 'exit', code: 2, stdout: '', stderr: `error: missing command\n\n${program.helpInformation()}` };
  return { kind: 'run', run: chosen };
}

/** Prints what a command line that stops at once (help, a usage error) has to say; returns its exit code. */
export function printExit(parsed: Extract<Parsed<unknown>, { kind: 'exit' }>): number {
  process.stdout.write(parsed.stdout);
  process.stderr.write(parsed.stderr);
  return parsed.code;
}

/** A whole number in [min, max], or a usage error naming the flag. */
export function integerOption(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (text: string) => number {
  return (text) => {
    const value = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`${flag} takes a whole number from ${min} to ${max}, got ${JSON.stringify(text)}.`);
    }
    return value;
  };
}

/** A finite number > 0, or a usage error naming the flag. */
export function positiveNumberOption(flag: string): (text: string) => number {
  return (text) => {
    const value = text.trim() === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`${flag} takes a number greater than 0, got ${JSON.stringify(text)}.`);
    return value;
  };
}

/** A path, resolved against the working directory. */
export function pathOption(text: string): string {
  if (text.trim() === '') throw new InvalidArgumentError('a path cannot be empty.');
  return path.resolve(text);
}

/**
 * The one readable line for a failure the user can fix (no Python, no torch, a bad fixture), or null
 * for anything else (a bug: print its stack).
 */
export function expectedFailure(error: unknown): string | null {
  if (error instanceof PythonNotFoundError) return error.message;
  if (error instanceof WorkerStartError) return `the torch worker could not start: ${error.message}`;
  if (error instanceof FixtureFormatError) return error.message;
  // A file named on the command line that is missing or unreadable: the message names it.
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (error instanceof Error && (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR')) return error.message;
  if (error instanceof SyntaxError) return `not JSON: ${error.message}`;
  return null;
}

/**
 * Runs `main` as the process's entry point when `moduleUrl` is the script node was started with:
 * sets the exit code, prints expected failures as one line and anything else with its stack.
 */
export function runIfMain(moduleUrl: string, main: (argv: readonly string[]) => Promise<number>): void {
  const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(moduleUrl);
  if (!isMain) return;
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const line = expectedFailure(error);
      console.error(line ?? (error instanceof Error ? (error.stack ?? error.message) : String(error)));
      process.exitCode = 1;
    },
  );
}
