// TorchError and Python-style formatting, so errors read exactly as torch's do.

/** The Python exception types torch raises from `torch.nn.RNN` and its utilities. */
export type PythonErrorType = 'ValueError' | 'TypeError' | 'RuntimeError' | 'IndexError' | 'AttributeError' | 'KeyError' | 'OverflowError';

/**
 * An error torch would raise: `name` is the Python exception type, `message` is torch's text byte
 * for byte, so `String(err)` reads like Python's last traceback line (`ValueError: …`).
 * Our own bugs throw a plain `Error('BUG: …')`, never a TorchError, so a bug cannot pass as conformance.
 */
export class TorchError extends Error {
  override readonly name: PythonErrorType;

  constructor(type: PythonErrorType, message: string) {
    super(message);
    this.name = type;
  }
}

/** Python's `type(value).__name__` for the JS values a caller can pass where torch expects a Python value. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'string') return 'str';
  if (Array.isArray(value)) return 'list';
  // JSON carries nothing else: a plain object crosses to Python as a dict.
  return 'dict';
}

/**
 * Python's `repr` of a float: shortest round-trip digits like JS, but with Python's exponent
 * spelling (`1e-05`, `1e+16`) and a trailing `.0` on integral values.
 */
export function pyFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(value);
  // Python switches to exponent notation below 1e-4 and at or above 1e16.
  if (abs < 1e-4 || abs >= 1e16) {
    const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
    const sign = exponent.startsWith('-') ? '-' : '+';
    const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  const text = String(value);
  return Number.isInteger(value) ? `${text}.0` : text;
}

/** Python's repr of an int: all digits, also past 1e21 where JS switches to exponent form. */
function pyIntRepr(value: number): string {
  return Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString();
}

/**
 * Python's `repr`/`str` of a value as it appears in torch's messages: ints without a decimal point,
 * floats as {@link pyFloatRepr}, strings quoted, booleans `True`/`False`, null `None`, arrays as
 * tuples (torch prints shapes and sizes as tuples). For a value the caller passed, which crosses to
 * Python as a list, use {@link pyValueRepr}.
 */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? pyIntRepr(value) : pyFloatRepr(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return pyStringRepr(value);
  if (Array.isArray(value)) return pyTuple(value);
  return String(value);
}

/**
 * Python's `repr` of a JS value as Python receives it: an array is a list (`[3]`, not `(3,)`), a
 * plain object a dict (`{'a': 1}`), a string quoted as Python quotes it.
 */
export function pyValueRepr(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pyValueRepr).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, item]) => `${pyStringRepr(key)}: ${pyValueRepr(item)}`)
      .join(', ')}}`;
  }
  return pyRepr(value);
}

/** Python's `str` of a JS value as Python receives it: a string as itself, anything else as {@link pyValueRepr}. */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyValueRepr(value);
}

/**
 * Python's `repr` of a str (Objects/unicodeobject.c unicode_repr): single quotes unless the text
 * holds a single quote and no double quote; backslash, the quote, \t \n \r escaped; other
 * non-printable characters as \xNN / \uNNNN.
 */
export function pyStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === quote || char === '\\') out += `\\${char}`;
    else if (char === '\t') out += '\\t';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0) || code === 0xad) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if ((code >= 0xd800 && code < 0xe000) || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return out + quote;
}

/** A Python tuple: `(1, 3, 20)`, `(3,)`, `()`. */
export function pyTuple(values: readonly unknown[]): string {
  if (values.length === 1) return `(${pyRepr(values[0])},)`;
  return `(${values.map(pyRepr).join(', ')})`;
}

/** A Python list: `[1, 3, 20]`. */
export function pyList(values: readonly unknown[]): string {
  return `[${values.map(pyRepr).join(', ')}]`;
}

/** torch's dtype spelling in messages: `torch.float32`. */
export function torchDtypeName(dtype: string): string {
  return `torch.${dtype}`;
}

/** ATen's scalar type name in C++ messages: `Float`, `Double`. */
export function atenScalarTypeName(dtype: string): string {
  const names: Record<string, string> = { float32: 'Float', float64: 'Double', float16: 'Half', bfloat16: 'BFloat16', int64: 'Long', int32: 'Int' };
  return names[dtype] ?? dtype;
}

/** C++ type name in ATen's lower-level messages: `float`, `double`. */
export function cppScalarTypeName(dtype: string): string {
  const names: Record<string, string> = { float32: 'float', float64: 'double', int64: 'long int', int32: 'int' };
  return names[dtype] ?? dtype;
}
