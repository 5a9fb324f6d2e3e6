"""Settings modules: ``dev`` (default, zero-setup), ``test``, ``production``; ``base`` is shared."""
