# tests/natlab.mk: the NAT lab (network namespaces + nftables NATs).
# natlab_reference.sh proves every lab type with coturn's and Vovida's
# classifiers; natlab_natprobe.sh judges natprobe in the same lab.  Both
# need root and skip (exit 77) otherwise.
TESTS += tests/natlab_reference.sh tests/natlab_natprobe.sh
EXTRA_DIST += tests/natlab-lib.sh tests/natlab_reference.sh \
	tests/natlab_natprobe.sh
# stund behind a 1:1 NAT (a cloud VM) with external-ip.
TESTS += tests/natlab_cloudnat.sh
EXTRA_DIST += tests/natlab_cloudnat.sh
