"""The conversation engine shared by the Discord bot and the console: understanding turns, composing prompts."""
