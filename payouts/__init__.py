"""Payouts: batches of payable claims (maker-checker), bank files, bank statements and their
reconciliation."""
