"""Concrete backends: each class is the Backend base plus one operations mixin per concept
(`accel/<concept>/ops.py`), so a concept's CPU and GPU code live together in its own package."""
