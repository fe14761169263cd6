import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PythonObject, pickleSession, unpickleSession } from '../../../src/stores/cache/pickle.ts';

// Recorded from Django 3.2 (/work/shared/django-cache-format.md): a logged-in session with a
// counter, from django-redis (protocol 4) and PyMemcacheCache (protocol 5).
const REDIS_SESSION =
  '8004950e010000000000007d94288c0d5f617574685f757365725f6964948c0131948c125f617574685f757365725f6261636b656e64948c29646a616e676f2e636f6e747269622e617574682e6261636b656e64732e4d6f64656c4261636b656e64948c0f5f617574685f757365725f68617368948c4066616332376461326465386264396664633332336338343466363338353538653634653438396136333634313432373434303463386161313433353362633439948c0a5f63737266746f6b656e948c407064533062434f316b6375467154744f784a384b6979504b6f36313736357557756b5176306c5070475856396b65594a79776e52514353554a6545637646474a948c0a646a5f636f756e746572944b01752e';
const MEMCACHED_SESSION =
  '8005950e010000000000007d94288c0d5f617574685f757365725f6964948c0131948c125f617574685f757365725f6261636b656e64948c29646a616e676f2e636f6e747269622e617574682e6261636b656e64732e4d6f64656c4261636b656e64948c0f5f617574685f757365725f68617368948c4035623464373739303261363730363838356238353065616134303161313062366534623362316566393936343230373336313862363339616162323065663765948c0a5f63737266746f6b656e948c40553336494e6f555178714354646c7856356550463732345166633842653366613171477a466b304d494b69334a735a6a6578346949746c675369675077594962948c0a646a5f636f756e746572944b01752e';
// {'py_dt': datetime(2024, 2, 29, 12, 34, 56, 789000, tzinfo=timezone.utc),
//  'py_decimal': Decimal('3.14159265358979323846264338327950288'), 'py_plain': 'kept'}
const DATETIME_SESSION =
  '800495c4000000000000007d94288c0570795f6474948c086461746574696d65948c086461746574696d65949394430a07e8021d0c22380c0a089468028c0874696d657a6f6e6594939468028c0974696d6564656c74619493944b004b004b008794529485945294869452948c0a70795f646563696d616c948c07646563696d616c948c07446563696d616c9493948c25332e313431353932363533353839373933323338343632363433333833323739353032383894859452948c0870795f706c61696e948c046b65707494752e';

const withProtocol = (hex: string, protocol: 4 | 5) => `800${protocol}${hex.slice(4)}`;

describe('the pickles Django 3.2 wrote', () => {
  test('the django-redis session decodes to the recorded dict', () => {
    const { data } = unpickleSession(Buffer.from(REDIS_SESSION, 'hex'));
    assert.deepEqual(data, {
      _auth_user_id: '1',
      _auth_user_backend: 'django.contrib.auth.backends.ModelBackend',
      _auth_user_hash: 'fac27da2de8bd9fdc323c844f638558e64e489a636414274404c8aa14353bc49',
      _csrftoken: 'pdS0bCO1kcuFqTtOxJ8KiyPKo61765uWukQv0lPpGXV9keYJywnRQCSUJeEcvFGJ',
      dj_counter: 1,
    });
  });

  test('the pymemcache session decodes to the recorded dict', () => {
    const { data } = unpickleSession(Buffer.from(MEMCACHED_SESSION, 'hex'));
    assert.equal(
      data._auth_user_hash,
      '5b4d77902a6706885b850eaa401a10b6e4b3b1ef99642073618b639aab20ef7e',
    );
    assert.equal(
      data._csrftoken,
      'U36INoUQxqCTdlxV5ePF724Qfc8Be3fa1qGzFk0MIKi3JsZjex4iItlgSigPwYIb',
    );
    assert.equal(data.dj_counter, 1);
  });

  for (const [name, hex] of [
    ['django-redis', REDIS_SESSION],
    ['pymemcache', MEMCACHED_SESSION],
    ['datetime and Decimal', DATETIME_SESSION],
  ] as const) {
    for (const protocol of [4, 5] as const) {
      test(`the ${name} session re-encodes to the recorded bytes under protocol ${protocol}`, () => {
        const recorded = withProtocol(hex, protocol);
        const { data, origin } = unpickleSession(Buffer.from(recorded, 'hex'));
        assert.equal(pickleSession(data, origin, protocol).toString('hex'), recorded);
      });
    }
  }

  test('a plain session written from JavaScript alone matches Django byte for byte', () => {
    const { data } = unpickleSession(Buffer.from(REDIS_SESSION, 'hex'));
    assert.equal(pickleSession({ ...data }, undefined, 4).toString('hex'), REDIS_SESSION);
    assert.equal(pickleSession({ ...data }).toString('hex'), withProtocol(REDIS_SESSION, 5));
  });

  test('a datetime and a Decimal are opaque values that show their Python text', () => {
    const { data } = unpickleSession(Buffer.from(DATETIME_SESSION, 'hex'));
    assert.ok(data.py_dt instanceof PythonObject);
    assert.equal(data.py_dt.pythonType, 'datetime.datetime');
    assert.equal(String(data.py_dt), '2024-02-29T12:34:56.789000+00:00');
    assert.ok(data.py_decimal instanceof PythonObject);
    assert.equal(data.py_decimal.pythonType, 'decimal.Decimal');
    assert.equal(JSON.stringify(data.py_decimal), '"3.14159265358979323846264338327950288"');
    assert.equal(data.py_plain, 'kept');
    assert.ok(Object.isFrozen(data.py_dt));
  });

  test('a changed key is written from its new value while the others keep their Python form', () => {
    const { data, origin } = unpickleSession(Buffer.from(DATETIME_SESSION, 'hex'));
    data.py_plain = 'changed';
    const { data: again } = unpickleSession(pickleSession(data, origin, 4));
    assert.equal(again.py_plain, 'changed');
    assert.equal(String(again.py_dt), '2024-02-29T12:34:56.789000+00:00');
    assert.ok(again.py_decimal instanceof PythonObject);
  });
});
