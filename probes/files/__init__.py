"""Reading files safely: regular files only (safe), followed like `tail -F` (tail), as a log source (logs)."""
