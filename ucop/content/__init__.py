"""The article's content, below the agents: reading the brief, planning sections, assigning
passages, judging coverage and writing the extractive drafts. Shapes live in `shapes.py`."""
