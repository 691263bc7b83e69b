"""The start page: the programmes' envelopes and what waits for each of the user's roles."""
