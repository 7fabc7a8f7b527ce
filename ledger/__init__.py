"""The ledger: double-entry, integer fen, append-only, hash-chained. Imports no other domain."""
