"""The key that resident ID numbers are hashed under (HMAC-SHA256).

Production sets ``YUNQUAN_ID_KEY`` (at least 32 characters, from the deployment's secret store) and
never changes it: every digest stored so far depends on it, and a new key would let the same person
be enrolled and paid again. Without it, development and the demo use a random key generated once
into ``YUNQUAN_ID_KEY_FILE`` (default ``./var/id.key``, mode 0600) next to the database. That file
is NOT for production: it lives beside the data it protects, so a copy of the disk has both.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Mapping

_loaded: dict[str, bytes] = {}


class IdKeyError(RuntimeError):
    """The deployment's key is missing or unusable: an operator's error, never a user's."""


def key_from(config: Mapping) -> bytes:
    """The key from the app's configuration (``ID_KEY``, else the file ``ID_KEY_FILE``)."""
    configured = config.get("ID_KEY")
    if configured:
        key = configured.encode("utf-8") if isinstance(configured, str) else bytes(configured)
        if len(key) < 32:
            raise IdKeyError("YUNQUAN_ID_KEY must be at least 32 characters")
        return key
    path = str(config.get("ID_KEY_FILE") or Path.cwd() / "var" / "id.key")
    if path not in _loaded:
        _loaded[path] = _file_key(Path(path))
    return _loaded[path]


def _file_key(path: Path) -> bytes:
    """Read the key file, creating it first if there is none. Two processes starting together
    agree on one key: each writes a private temporary file and links it into place, and the one
    that finds the name taken reads the winner's."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = path.read_text(encoding="ascii").strip().encode("ascii")
    if len(key) < 32:
        raise IdKeyError(f"{path} holds no usable key (at least 32 characters)")
    return key
