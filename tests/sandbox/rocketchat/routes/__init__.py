"""The API's route handlers, one module per route family; each family's `routes()` lists its routes
with what the pipeline (pipeline.py) checks before the handler runs. control.py holds the test-only
/_sandbox/ routes, which bypass the pipeline."""
