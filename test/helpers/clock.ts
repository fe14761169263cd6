// The clock pins the shipped contract suite uses (coatcheck/testing), for the tests here too.
export { atTime, atTimeAsync } from '../../src/testing/clock.ts';
