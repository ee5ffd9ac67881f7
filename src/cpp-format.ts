// C++ `std::ostream << double` formatting, as doubles appear in torch's TORCH_CHECK messages.

/**
 * A double as C++ streams print it by default (`%g` with 6 significant digits): `2`, `0.5`,
 * `3e+38`, `1e-05`, `nan`, `inf`. Used where torch's C++ checks interpolate a double.
 */
export function cppDouble(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = value.toExponential(5).split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${stripTrailingZeros(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return stripTrailingZeros(value.toFixed(5 - exponent));
}

function stripTrailingZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
