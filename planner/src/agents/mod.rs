//! The agents: the router and the goal, audience, budget and schedule resolvers.
