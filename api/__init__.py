"""The outside world: the CLI, the HTTP service and its storage — thin shells over policy/ and engine/."""
