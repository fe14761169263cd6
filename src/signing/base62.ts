/**
 * Django's base62 integers (`django.core.signing.b62_encode`), used for the timestamps of
 * {@link TimestampSigner}: digits, then upper case, then lower case.
 *
 * @module
 */

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Encodes an integer; a negative one is `-` followed by its absolute value. */
export function b62Encode(value: number): string {
  if (!Number.isInteger(value) || Math.abs(value) > 2 ** 53) {
    throw new TypeError(`coatcheck: b62Encode needs an integer within ±2 ** 53, got ${value}`);
  }
  if (value === 0) return '0';
  const sign = value < 0 ? '-' : '';
  let rest = Math.abs(value);
  let digits = '';
  while (rest > 0) {
    digits = ALPHABET.charAt(rest % 62) + digits;
    rest = Math.floor(rest / 62);
  }
  return sign + digits;
}

/**
 * Decodes Django's base62. Returns `NaN` for text outside the alphabet (where Python raises
 * `ValueError`), so callers can reject it without a try block on the hot path.
 */
export function b62Decode(text: string): number {
  const negative = text.startsWith('-');
  const start = negative ? 1 : 0;
  if (text.length === start) return Number.NaN;
  let value = 0;
  for (let i = start; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let digit: number;
    if (code >= 48 && code <= 57) digit = code - 48;
    else if (code >= 65 && code <= 90) digit = code - 55;
    else if (code >= 97 && code <= 122) digit = code - 61;
    else return Number.NaN;
    value = value * 62 + digit;
  }
  return negative ? -value : value;
}
