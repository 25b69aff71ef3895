"""Labs on the server: a visitor's work (runs, uploads, lessons) kept in a store,
and runs that train as jobs of their own while pages only watch them.

- :mod:`labs.store`: the embedded SQLite store (one small interface; a server
  database could implement it later).
- :mod:`labs.gate`: the fair gate through which every run's chunks share the
  server's cores, and the work buffers that belong to its slots.
- :mod:`labs.runs`: runs as jobs: a worker thread per training run,
  checkpoints to the store, pause, resume, idle pause and restart.

Nothing here imports Streamlit: pages reach these through ``ui``.
"""
