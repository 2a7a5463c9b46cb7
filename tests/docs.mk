# tests/docs.mk: manual pages (owner: docs).  manlint.sh runs mandoc -Tlint
# on every man/*.[1-9]; apidoc.sh fails when a STUN_API function in the
# headers libstun(3) covers is not documented there.
TESTS += tests/manlint.sh tests/apidoc.sh
EXTRA_DIST += tests/manlint.sh tests/apidoc.sh
