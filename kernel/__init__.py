"""The few primitives every domain shares: money, errors, clock, request context.

This package imports nothing else of the project, so every domain may import it.
"""
