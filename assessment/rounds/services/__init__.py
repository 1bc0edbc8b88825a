"""Rules of rounds and test day."""
