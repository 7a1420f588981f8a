"""keykind.py — what a Redis command of the daemon's is, for tools that sum
Redis's time by it (tools/redisbreakdown, tools/writefloor)."""


def kind(args, prefix):
    """fcall:<function>, or the command and the kind of key it names under
    the key prefix: zadd{ix:company}, hset{lead}, hmget{pool:*:rotation}, ..."""
    name = args[0].lower()
    if name in ("fcall", "fcall_ro") and len(args) > 1:
        # A function of the daemon's library is <script>_<version>.
        return "fcall:" + args[1].rsplit("_", 1)[0]
    parts = args[1].split(":") if len(args) > 1 else []
    if len(parts) < 2 or parts[0] != prefix:
        return name
    k = parts[1]
    if k in ("ix", "sc") and len(parts) > 2:
        k += ":" + parts[2]
    elif k == "pool" and len(parts) > 3:
        k += ":*:" + parts[3]
    return "%s{%s}" % (name, k)
