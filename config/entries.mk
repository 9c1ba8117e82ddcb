# config/: [databases] and [users] entries (sharing the cfg_kv tokenizer),
# auth_file.
config_libconfig_a_SOURCES += config/cfg_kv.c config/cfg_kv.h \
	config/cfg_database.c config/cfg_database.h \
	config/cfg_user.c config/cfg_user.h \
	config/cfg_authfile.c config/cfg_authfile.h

check_PROGRAMS += tests/unit/check_cfg_database tests/unit/check_cfg_user \
	tests/unit/check_cfg_authfile
TESTS += tests/unit/check_cfg_database tests/unit/check_cfg_user \
	tests/unit/check_cfg_authfile
tests_unit_check_cfg_database_SOURCES = tests/unit/check_cfg_database.c
tests_unit_check_cfg_database_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_cfg_database_LDADD = $(UNIT_LDADD)
tests_unit_check_cfg_user_SOURCES = tests/unit/check_cfg_user.c
tests_unit_check_cfg_user_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_cfg_user_LDADD = $(UNIT_LDADD)
tests_unit_check_cfg_authfile_SOURCES = tests/unit/check_cfg_authfile.c
tests_unit_check_cfg_authfile_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_cfg_authfile_LDADD = $(UNIT_LDADD)
