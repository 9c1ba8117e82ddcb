# config/: [databases] and [users] entries, auth_file.
