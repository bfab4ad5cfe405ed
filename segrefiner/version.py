"""Version of the segrefiner package."""
__version__ = '0.1.0'
