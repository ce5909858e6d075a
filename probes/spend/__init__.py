"""Spend: bounded aggregates of LLM calls (book), prices, budgets, and ledger records decoded into them."""
