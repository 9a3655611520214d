"""The points liability and breakage forecast that finance books (see model.py for the method)."""
