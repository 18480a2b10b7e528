"""Streamlit-side helpers shared by the pages: frame, URL state, pickers, exports.

Everything here may import streamlit; the domain (``explorer/``) never does.
"""
