# stund: rules added by its owner.
