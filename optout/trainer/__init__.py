"""Trainer mode: walkthroughs a room can follow (captions, highlights, screenshots, a video, a page)."""
