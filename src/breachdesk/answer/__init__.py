"""Answer engine: normalise → tokenize → retrieve (lexical + dense) → fuse → decide."""
