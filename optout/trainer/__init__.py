"""Trainer mode: walkthroughs a room can follow (a run in slow motion, its steps captioned and shown)."""
