"""The component's actions, one module each, named in component.json."""
