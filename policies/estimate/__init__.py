"""How unsure the fast model is: uncertainty signals, the staged difficulty estimate, and its calibration."""
