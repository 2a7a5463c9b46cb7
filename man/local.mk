# man: manual pages.
dist_man_MANS += man/libstun.3
