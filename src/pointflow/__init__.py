"""pointflow: AI for bank loyalty programmes, beside the core banking platform."""
