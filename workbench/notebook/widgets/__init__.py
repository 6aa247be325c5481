"""ipywidgets for the workbench, one widget family per module."""
