# tests/rdv.mk: the rendezvous codec and client machine (suite_rdv) and the
# stund room table (tests/check_rooms), all on a fake clock.
CHECK_LIBSTUN_SUITES += tests/libstun_rdv.c
