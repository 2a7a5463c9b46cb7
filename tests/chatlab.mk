# tests/chatlab.mk: p2pchat in the NAT lab (root only; SKIP otherwise).
