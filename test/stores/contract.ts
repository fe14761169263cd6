/**
 * The shared store suite now ships as `coatcheck/testing` (src/testing/store-contract.ts); the
 * store tests keep importing it from here.
 */
export * from '../../src/testing/store-contract.ts';
