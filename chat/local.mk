# chat: rules added by its owner.
