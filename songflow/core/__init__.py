"""The ground every part stands on: config, errors, the output store, atomic writes and child processes."""
