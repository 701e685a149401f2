"""Finding things: search across objectives, key results, people and departments, filtered lists and exports."""
