"""The pipeline: sync, evaluate, guard, record intents, execute, undo."""
