"""The Jupyter front end: magics and panels. The only modules importing IPython or
ipywidgets; ``%load_ext dynamo_magic`` loads them."""
