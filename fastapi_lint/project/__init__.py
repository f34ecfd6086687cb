"""The project model: module summaries, the project index, the route tree, authentication, inference."""
