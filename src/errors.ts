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

/**
 * Python's `repr`/`str` of a value as it appears in torch's messages: ints without a decimal point,
 * floats as {@link pyFloatRepr}, strings quoted, booleans `True`/`False`, null `None`, arrays as tuples.
 */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloatRepr(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return pyTuple(value);
  return String(value);
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
