"""resp.py — the one RESP2 writer and reader of the tests and of the tools
that talk to Redis themselves (tools/scriptcost, tools/redisbreakdown) or
read its append-only file (tools/writefloor)."""


class RespError(RuntimeError):
    """An error reply ("-ERR ..."): returned by read() so that a pipeline can read
    on past it, or raised with raise_errors."""


def encode(args):
    """One command as RESP: an array of bulk strings (str, int or bytes)."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def read(f, encoding="utf-8", raise_errors=False):
    """One reply from the buffered file f: a str (bytes when encoding is None)
    for simple and bulk strings, an int, None, a list, or a RespError (raised
    instead with raise_errors, wherever it sits in the reply)."""
    line = f.readline()
    if not line:
        raise ConnectionError("Redis closed the connection")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode(encoding) if encoding else rest
    if kind == b"-":
        err = RespError(rest.decode("utf-8", "replace"))
        if raise_errors:
            raise err
        return err
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data.decode(encoding) if encoding else data
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [read(f, encoding, raise_errors) for _ in range(n)]
    raise ConnectionError("not a RESP reply: %r" % line)
