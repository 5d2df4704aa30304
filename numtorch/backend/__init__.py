"""Device dispatch: picks kernels, lays out arrays, validates what kernels would index."""
