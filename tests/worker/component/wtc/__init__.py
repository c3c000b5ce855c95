"""A component for the worker's tests: one small function per event the worker must carry."""
