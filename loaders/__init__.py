"""Data loaders: one module per source family.

Each source module has two halves:

* ``build_*`` functions read the raw public files (``../shared/data/raw`` or ``$HEE_RAW_DIR``),
  check their schema at the boundary and return tidy frames for the snapshot build;
* the app reads only the derived snapshot, through :mod:`loaders.snapshot`.
"""
