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
