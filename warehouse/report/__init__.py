"""The HTML report (`lola report`): figures.yml and its queries, rendered by build.py."""

PAGE = "index.html"  # the report's one file, in whatever folder it is written to
