"""The ledger backend."""
