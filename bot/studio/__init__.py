"""A server's own studio: who may draw (tiers of roles, opened in stages), how much (daily budgets in GPU time
and energy, sizes, steps, counts), in what order (one fair queue per server), and what it all cost. Pure of
Discord: the bot's ``exts/studio`` gives it commands, the conversation engine asks it before every job."""
