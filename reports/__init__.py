"""Document and figure builders: plain data in, xlsx bytes or plotly figures out."""
