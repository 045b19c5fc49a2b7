"""Model parts: speech encoders with adapters, Q-Formers, and the ZeroST assembly."""
