"""The notebook face: IPython magics (``%load_ext workbench``) and ipywidgets."""
