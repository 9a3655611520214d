"""Member messages for issued offers: templates per offer kind and locale, and a guarded optional rewrite."""
