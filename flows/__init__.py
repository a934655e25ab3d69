"""The Prefect flow (song.py, the only place that knows the stage order) and what it runs with:
tasks, cache keys, result serializer, artifacts, progress hook, model pool, pre-run check."""
