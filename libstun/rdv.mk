# libstun/rdv.mk: the rendezvous extension for p2pchat (codec and client
# machine, doc/rendezvous.md).
LIBSTUN_SRC += libstun/rdv.c libstun/rdvcrypt.c libstun/rdvclient.c \
	libstun/rdvint.h
nobase_include_HEADERS += libstun/rdv.h
EXTRA_DIST += doc/rendezvous.md doc/rendezvous.mdoc-snippet
