"""Rules for work units and the employee register."""
