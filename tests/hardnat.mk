# tests/hardnat.mk: hard NATs.  suite_hardnat drives the planner on a fake
# clock; natlab_hardnat_probe.sh proves the lab's predictable symmetric
# NATs and natprobe's reading of them (root only, skips otherwise).
CHECK_LIBSTUN_SUITES += tests/libstun_hardnat.c
TESTS += tests/natlab_hardnat_probe.sh
EXTRA_DIST += tests/natlab_hardnat_probe.sh
