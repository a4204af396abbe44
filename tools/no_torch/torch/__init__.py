# Put tools/no_torch first on PYTHONPATH to run the suite as on a machine without PyTorch
# (.ci/run does, so every torch test must skip cleanly rather than fail; issue 17).
raise ModuleNotFoundError(
    "No module named 'torch' (hidden by tools/no_torch for a run without PyTorch)", name="torch"
)
