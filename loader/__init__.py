"""Stage an O*NET text release into MySQL landing tables, validated and swapped in atomically."""
