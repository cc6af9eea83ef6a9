"""A well-behaved mlxinit plugin (both entry-point groups)."""
