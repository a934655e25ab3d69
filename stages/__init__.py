"""Pipeline stages: plain functions `inputs -> pydantic model`. Only flows/ knows their order."""
