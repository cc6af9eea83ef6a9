"""A plugin with one module that cannot be imported."""
