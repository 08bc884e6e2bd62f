"""Domain operations: plain values in, plain values or models out; no request, session or templates."""
