"""Pages for analysts, a module per page family; urls.py names them all."""
