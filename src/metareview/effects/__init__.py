"""Effect sizes and their sampling variances."""
