"""django.core.signing, operation by operation.

Every signer operation takes `signer`: the keyword arguments of Signer / TimestampSigner
(`key`, `sep`, `salt`, `algorithm`); whatever is left out takes Django's default.
"""

from django.core import signing
from django.utils.crypto import salted_hmac

from .errors import arg, kwargs_of

SIGNER_ARGS = ('key', 'sep', 'salt', 'algorithm')


def _signer(op, cls):
    return cls(**kwargs_of(arg(op, 'signer', {}), SIGNER_ARGS))


def dumps(op):
    token = signing.dumps(arg(op, 'value'), **kwargs_of(op, ('key', 'salt', 'compress')))
    return {'token': token, 'serialized': signing.JSONSerializer().dumps(arg(op, 'value')).decode('latin-1')}


def loads(op):
    return signing.loads(arg(op, 'token'), **kwargs_of(op, ('key', 'salt', 'max_age')))


def signer_sign(op):
    return _signer(op, signing.Signer).sign(arg(op, 'value'))


def signer_unsign(op):
    return _signer(op, signing.Signer).unsign(arg(op, 'signed'))


def signer_sign_object(op):
    return _signer(op, signing.Signer).sign_object(arg(op, 'value'), **kwargs_of(op, ('compress',)))


def signer_unsign_object(op):
    return _signer(op, signing.Signer).unsign_object(arg(op, 'signed'))


def timestamp_sign(op):
    return _signer(op, signing.TimestampSigner).sign(arg(op, 'value'))


def timestamp_unsign(op):
    return _signer(op, signing.TimestampSigner).unsign(arg(op, 'signed'), **kwargs_of(op, ('max_age',)))


def timestamp_sign_object(op):
    return _signer(op, signing.TimestampSigner).sign_object(arg(op, 'value'), **kwargs_of(op, ('compress',)))


def timestamp_unsign_object(op):
    return _signer(op, signing.TimestampSigner).unsign_object(arg(op, 'signed'), **kwargs_of(op, ('max_age',)))


def hmac_hexdigest(op):
    kwargs = kwargs_of(op, ('algorithm',))
    return salted_hmac(arg(op, 'key_salt'), arg(op, 'value'), arg(op, 'secret'), **kwargs).hexdigest()


OPS = {
    'signing.dumps': dumps,
    'signing.loads': loads,
    'Signer.sign': signer_sign,
    'Signer.unsign': signer_unsign,
    'Signer.sign_object': signer_sign_object,
    'Signer.unsign_object': signer_unsign_object,
    'TimestampSigner.sign': timestamp_sign,
    'TimestampSigner.unsign': timestamp_unsign,
    'TimestampSigner.sign_object': timestamp_sign_object,
    'TimestampSigner.unsign_object': timestamp_unsign_object,
    'salted_hmac': hmac_hexdigest,
}
