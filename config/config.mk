# config/: ini reader, settings table, [databases]/[users], auth_file, snapshots.
config_libconfig_a_SOURCES += \
	config/cfg_ini.c config/cfg_ini.h \
	config/cfg_settings.c config/cfg_settings.h \
	config/cfg.c config/cfg.h

check_PROGRAMS += tests/unit/check_cfg_ini tests/unit/check_cfg_settings tests/unit/check_cfg
TESTS += tests/unit/check_cfg_ini tests/unit/check_cfg_settings tests/unit/check_cfg
tests_unit_check_cfg_ini_SOURCES = tests/unit/check_cfg_ini.c
tests_unit_check_cfg_ini_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_cfg_ini_LDADD = $(UNIT_LDADD)
tests_unit_check_cfg_settings_SOURCES = tests/unit/check_cfg_settings.c
tests_unit_check_cfg_settings_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_cfg_settings_LDADD = $(UNIT_LDADD)
tests_unit_check_cfg_SOURCES = tests/unit/check_cfg.c
tests_unit_check_cfg_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_cfg_LDADD = $(UNIT_LDADD)
