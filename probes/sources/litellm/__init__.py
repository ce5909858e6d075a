"""The litellm backend."""
