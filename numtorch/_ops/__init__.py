"""Op definitions (forward and backward side by side), one module per family."""
