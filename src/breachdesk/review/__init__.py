"""The public question log, 役に立ちましたか？ feedback and the editors' review queue."""
