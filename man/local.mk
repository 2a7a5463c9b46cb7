# man: rules added by its owner.
