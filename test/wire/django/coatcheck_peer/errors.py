class RequestError(Exception):
    """The request is wrong (unknown op, missing argument): the run fails instead of recording it."""


MISSING = object()


def arg(op, name, default=MISSING):
    """Returns argument `name` of an operation, or raises RequestError when a required one is absent."""
    if name in op:
        return op[name]
    if default is MISSING:
        raise RequestError('missing argument %r' % name)
    return default


def kwargs_of(op, names):
    """The keyword arguments among `names` that the operation gives, so Django's defaults apply."""
    return {name: op[name] for name in names if name in op}
