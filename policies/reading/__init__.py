"""Reading text: the answer a reply gives, the shape a request asks for, and the question a task asks."""
