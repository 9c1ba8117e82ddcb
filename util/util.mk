# util/: the allocation wrapper shared by every module.
check_PROGRAMS += tests/unit/check_xalloc
TESTS += tests/unit/check_xalloc
tests_unit_check_xalloc_SOURCES = tests/unit/check_xalloc.c
tests_unit_check_xalloc_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_xalloc_LDADD = $(UNIT_LDADD)
