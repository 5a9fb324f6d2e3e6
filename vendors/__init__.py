"""Everything that speaks to a vendor: adapters, normalized types, errors and sandboxes.

Nothing here imports Django: adapters are plain Python built from a base URL and credentials,
so they can be tested over HTTP against the sandboxes without a database.
"""
