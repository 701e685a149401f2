"""Models of the explore app."""
