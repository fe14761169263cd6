import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { httpDate } from '../../src/cookies/http-date.ts';
import { vectors } from '../helpers/vectors.ts';

describe('httpDate', () => {
  test('formats the pinned clock as Django’s http_date does', () => {
    assert.equal(httpDate(vectors.set_cookie.now), vectors.set_cookie.now_http_date);
  });

  test('writes English names, a zero-padded day and a four-digit year', () => {
    assert.equal(httpDate(0), 'Thu, 01 Jan 1970 00:00:00 GMT');
    assert.equal(httpDate(-62135596800), 'Mon, 01 Jan 0001 00:00:00 GMT');
    assert.equal(httpDate(253402300799), 'Fri, 31 Dec 9999 23:59:59 GMT');
  });

  // Values checked against Python 3.11's email.utils.formatdate(t, usegmt=True).
  test('drops fractions of a second after rounding to the microsecond, as Python does', () => {
    assert.equal(httpDate(1700000010.6), 'Tue, 14 Nov 2023 22:13:30 GMT');
    assert.equal(httpDate(1700000010.9999993), 'Tue, 14 Nov 2023 22:13:30 GMT');
    assert.equal(httpDate(1700000010.9999995), 'Tue, 14 Nov 2023 22:13:31 GMT');
    assert.equal(httpDate(-1.5), 'Wed, 31 Dec 1969 23:59:58 GMT');
    assert.equal(httpDate(-1e-7), 'Thu, 01 Jan 1970 00:00:00 GMT');
  });

  test('gives nothing outside the years 1 to 9999, where Python raises', () => {
    assert.equal(httpDate(253402300800), undefined);
    assert.equal(httpDate(-62135596801), undefined);
    assert.equal(httpDate(Number.NaN), undefined);
    assert.equal(httpDate(Number.POSITIVE_INFINITY), undefined);
  });
});
