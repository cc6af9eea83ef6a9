"""Hook implementations done wrong, and factories that misbehave."""
