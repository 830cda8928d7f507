"""``make bench``: the speed benchmark (DESIGN §6). See bench/run.py."""
