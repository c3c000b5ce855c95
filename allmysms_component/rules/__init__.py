"""Pure domain rules: which numbers, which text and how many parts, which account sends. No I/O."""
