"""acme-inits: an example mlxinit plugin (see docs/plugins.md of mlxinit)."""
