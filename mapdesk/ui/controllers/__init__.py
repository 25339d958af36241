"""Controllers: one per widget, mapping user interactions to model changes."""
