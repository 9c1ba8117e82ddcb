# config/: the auth_hba_file (pg_hba.conf syntax) for auth_type = hba.
config_libconfig_a_SOURCES += config/cfg_hba.c config/cfg_hba.h

check_PROGRAMS += tests/unit/check_cfg_hba
TESTS += tests/unit/check_cfg_hba
tests_unit_check_cfg_hba_SOURCES = tests/unit/check_cfg_hba.c
tests_unit_check_cfg_hba_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_cfg_hba_LDADD = $(UNIT_LDADD)
