// torch's warnings.warn, as data: recorded for whoever is listening, never printed.

/** A warning torch would issue with `warnings.warn(message, category)`. */
export interface TorchWarning {
  readonly category: 'UserWarning';
  readonly message: string;
}

const listeners: TorchWarning[][] = [];

/**
 * Issues a warning: every active {@link catchWarnings} scope records it. With no scope active it is
 * dropped, as Python's default filter would print it once and move on; nothing goes to the console
 * because a library running in a browser or server must not write there.
 */
export function warn(message: string): void {
  const warning: TorchWarning = { category: 'UserWarning', message };
  for (const list of listeners) list.push(warning);
}

/**
 * Runs `fn` and returns its result with every warning issued meanwhile.
 * Mirrors `with warnings.catch_warnings(record=True): warnings.simplefilter('always')`.
 */
export function catchWarnings<T>(fn: () => T): { result: T; warnings: TorchWarning[] } {
  const recorded: TorchWarning[] = [];
  listeners.push(recorded);
  try {
    return { result: fn(), warnings: recorded };
  } finally {
    listeners.splice(listeners.lastIndexOf(recorded), 1);
  }
}
