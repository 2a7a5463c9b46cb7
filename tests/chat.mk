# tests/chat.mk (owner: chatcore).
