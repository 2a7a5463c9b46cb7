# tests/hardnat.mk: hard NATs.  natlab_hardnat_probe.sh proves the lab's
# predictable symmetric NATs and natprobe's reading of them (root only,
# skips otherwise).
TESTS += tests/natlab_hardnat_probe.sh
EXTRA_DIST += tests/natlab_hardnat_probe.sh
