"""The framework glue every domain's ``models.py``, ``schemas.py`` and ``api.py`` use: table
conventions and row helpers (sqlmodel), wire fields (marshmallow), list paging, and the request's
caller with its access rules (flask).

Only ``kernel`` and the frameworks are imported here; ``rules.py`` files never import this package.
"""
