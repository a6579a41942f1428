"""Classifying a complaint's text: business type, problem nature, level, emergency, department."""
