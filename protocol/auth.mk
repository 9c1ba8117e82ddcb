# protocol/: md5 and SCRAM-SHA-256, both sides.
