"""Pure primitives every package shares: money and its named rounding, the clock, the error base.

No framework and nothing else of the project is imported here, so any ``rules.py`` may use it.
"""
