/**
 * Which Python JSON documents JavaScript cannot read back unchanged: JavaScript has one number
 * type, so a whole float (`1.0`, `1e+16`) loads as an int, and an int beyond 2 ** 53 that a
 * double cannot hold exactly loses digits. Tests byte-compare only the other documents.
 */

const STRINGS = /"(?:[^"\\]|\\.)*"/g;
const NUMBERS = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

export function jsCannotRoundTrip(pythonJson: string): boolean {
  const numbers = pythonJson.replace(STRINGS, '""').match(NUMBERS) ?? [];
  return numbers.some((token) => {
    const value = Number(token);
    const isFloat = /[.eE]/.test(token);
    if (isFloat) return Number.isInteger(value);
    return !Number.isSafeInteger(value) && BigInt(value).toString() !== token;
  });
}

/**
 * JSON.parse that reads an integer beyond ±(2^53 - 1) as a BigInt, digit for digit, as
 * coatcheck's Python JSON parser does: the expected value of a document Django wrote.
 */
export function parseWithBigInts(text: string): unknown {
  return JSON.parse(text, ((_key: string, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' &&
    !Number.isSafeInteger(value) &&
    /^-?\d+$/.test(context?.source ?? '')
      ? BigInt(context?.source ?? '')
      : value) as (key: string, value: unknown) => unknown);
}

/** `value` with every whole number beyond ±(2^53 - 1) as a BigInt, as it loads back. */
export function unsafeIntegersAsBigInts(value: unknown): unknown {
  if (typeof value === 'number') {
    return Number.isInteger(value) && !Number.isSafeInteger(value) && Math.abs(value) <= 2 ** 64
      ? BigInt(value)
      : value;
  }
  if (Array.isArray(value)) return value.map(unsafeIntegersAsBigInts);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, unsafeIntegersAsBigInts(item)]),
    );
  }
  return value;
}
