"""The `songflow` command: run, check, demo, make-song, batch, serve, submit, recover, its progress display and the temporary server; nothing imports it."""
