"""Reports on one run: the data collected once (data.py), rendered as HTML, Markdown or JSON."""
