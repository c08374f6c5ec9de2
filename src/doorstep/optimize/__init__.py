"""Route optimization: problem building, the PyVRP adapter, result mapping, reasons and the plan checker."""
