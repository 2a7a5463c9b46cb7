# man: manual pages.  libstun(3) documents every public function and names
# each one in its NAME section; make install gives each a page of one line,
# ".so man3/libstun.3" (the names come from man/mlinks.sh), so that
# "man stun_msg_decode" finds libstun(3).
dist_man_MANS += man/libstun.3
dist_noinst_SCRIPTS += man/mlinks.sh

install-data-local: install-mlinks
uninstall-local: uninstall-mlinks

install-mlinks:
	$(MKDIR_P) '$(DESTDIR)$(man3dir)'
	@for n in `$(SHELL) $(srcdir)/man/mlinks.sh $(srcdir)/man/libstun.3`; \
	do \
		echo '.so man3/libstun.3' >'$(DESTDIR)$(man3dir)'/$$n.3 || \
		    exit 1; \
	done
	@echo "  MLINKS   $(DESTDIR)$(man3dir): one page per function"

uninstall-mlinks:
	@for n in `$(SHELL) $(srcdir)/man/mlinks.sh $(srcdir)/man/libstun.3`; \
	do \
		rm -f '$(DESTDIR)$(man3dir)'/$$n.3; \
	done

.PHONY: install-mlinks uninstall-mlinks
