# config/: ini reader, settings table, [databases]/[users], auth_file, snapshots.
