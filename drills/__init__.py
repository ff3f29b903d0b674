"""Fire drills: scripted failure scenarios run against a live Vigil, and the reports made from their journals."""
