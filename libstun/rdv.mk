# libstun/rdv.mk: rendezvous codec (owner: rdv).
