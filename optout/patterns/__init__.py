"""Dark patterns: the catalogue optout names them from (with their taxonomy references), the words that
tell the wording ones, and the naming of what a run observed. Knows no browser: the engine observes."""
