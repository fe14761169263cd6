import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  forbidden,
  notFound,
  permanentRedirect,
  RedirectType,
  redirect,
  unauthorized,
} from 'next/navigation.js';
import { navigationStatus } from '../../src/adapters/next-navigation.ts';

/** What Next's own function throws. */
function thrown(answer: () => never): unknown {
  try {
    answer();
  } catch (error) {
    return error;
  }
  assert.fail('it did not throw');
}

describe('navigationStatus, on the errors Next itself throws', () => {
  test('redirect() is the status Next answers with, even with a `;` in the URL', () => {
    assert.equal(navigationStatus(thrown(() => redirect('/account', RedirectType.push))), 307);
    assert.equal(navigationStatus(thrown(() => redirect('/a;b?c=1'))), 307);
    assert.equal(navigationStatus(thrown(() => permanentRedirect('/moved'))), 308);
  });

  test('notFound() is 404; forbidden() without Next’s authInterrupts flag is a failure', () => {
    assert.equal(navigationStatus(thrown(notFound)), 404);
    // Outside an app with `experimental.authInterrupts`, forbidden() and unauthorized() throw a
    // plain error saying so: a failure, nothing saved.
    assert.equal(navigationStatus(thrown(forbidden)), undefined);
    assert.equal(navigationStatus(thrown(unauthorized)), undefined);
    const allowed = Object.assign(new Error('NEXT_HTTP_ERROR_FALLBACK;403'), {
      digest: 'NEXT_HTTP_ERROR_FALLBACK;403',
    });
    assert.equal(navigationStatus(allowed), 403);
  });

  test('any other error is a failure', () => {
    assert.equal(navigationStatus(new Error('boom')), undefined);
    assert.equal(navigationStatus(Object.assign(new Error('x'), { digest: '12345' })), undefined);
    assert.equal(navigationStatus('NEXT_REDIRECT'), undefined);
    assert.equal(navigationStatus(null), undefined);
  });
});
