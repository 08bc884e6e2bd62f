"""The example deployment shipped for the demo, and the demo content seeded from it."""
