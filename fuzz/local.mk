# fuzz: rules added by its owner.
