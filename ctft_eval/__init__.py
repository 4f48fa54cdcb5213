"""ctft-eval: the test bench for local models that drive Continue's agent tools."""
