# libstun/hardnat.mk: the hard-NAT planner (port prediction and birthday
# probes, the NAT essentials' wire form).
LIBSTUN_SRC += libstun/hardnat.c
nobase_include_HEADERS += libstun/hardnat.h
